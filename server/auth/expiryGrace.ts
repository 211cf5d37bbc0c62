/**
 * How long past its `exp` claim a principal stays valid: the clock tolerance
 * of the `authenticate` that verified it (`jwtAuth`'s `clockToleranceSeconds`),
 * so the relay's goodbye on expiry uses the same rule as the check at connect.
 * Kept beside the principal, not in it: the principal is the token's claims.
 */
const graces = new WeakMap<object, number>()

/** Records that `principal` was verified with `seconds` of clock tolerance. */
export function setExpiryGrace(principal: object, seconds: number): void {
  graces.set(principal, seconds)
}

/** The tolerance `principal` was verified with, in ms; 0 for one nobody recorded. */
export function expiryGraceMs(principal: unknown): number {
  if (typeof principal !== 'object' || principal === null) return 0
  return (graces.get(principal) ?? 0) * 1000
}
