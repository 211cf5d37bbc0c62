import { SignJWT } from 'jose'

/** The secret the property relays verify tokens with. */
export const PROPERTY_JWT_SECRET = 'convergence-property-secret-of-enough-length'

/** One token per principal (signed once: they outlive every case), for the handshake `auth`. */
export async function propertyTokens(
  principals: readonly string[] = ['alice', 'bob', 'mallory', 'inspector'],
): Promise<(principal: string) => Record<string, unknown>> {
  const key = new TextEncoder().encode(PROPERTY_JWT_SECRET)
  const tokens = new Map<string, string>()
  for (const sub of principals) {
    tokens.set(
      sub,
      await new SignJWT({ rooms: '*' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(sub)
        .setExpirationTime('12h')
        .sign(key),
    )
  }
  return (principal) => {
    const token = tokens.get(principal)
    if (token === undefined) throw new Error(`no token for principal "${principal}"`)
    return { token }
  }
}
