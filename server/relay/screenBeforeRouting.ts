import type { PushResult } from '../../src/protocol'
import { screenPushes } from './screenPushes'
import type { RelayLimits } from './types'

/**
 * With room ownership: refuses on the node the push arrived at the changes
 * that no room would take (bad shape or limits, a timestamp too far ahead, an
 * id not under the pushing client), and routes only the others to the
 * room's owner. Their verdicts do not depend on the owner, so they are the
 * same whether it can be reached or not: a push under another client's id is
 * refused as such, never answered `unavailable` (retry) because the owner was
 * moving. The owner screens the routed changes again against its own clock.
 */
export async function screenBeforeRouting(
  origin: string,
  changes: readonly unknown[],
  limits: RelayLimits,
  now: number,
  route: (changes: readonly unknown[]) => Promise<PushResult[]>,
): Promise<PushResult[]> {
  const { candidates, outputs } = screenPushes(
    [{ origin, changes, resolve: () => {} }],
    limits,
    now,
  )
  const results = outputs[0]!
  if (candidates.length === 0) return results
  const slots = candidates.map((c) => c.slot)
  const routed = await route(slots.map((slot) => changes[slot]))
  // Slots the route left without a verdict keep the screen's "store failed" (`unavailable`).
  for (const [k, slot] of slots.entries()) {
    const verdict = routed[k]
    if (verdict) results[slot] = verdict
  }
  return results
}
