import { createPublicKey, type JsonWebKey } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { JwksKeySet } from '../auth/jwtAuth'

type Jwk = JwksKeySet['keys'][number]

/** The public half of a key, whatever form it came in, as a JWK `jwtAuth` can select by `kty`. */
function publicJwk(key: Parameters<typeof createPublicKey>[0], source?: Jwk): Jwk {
  const jwk = createPublicKey(key).export({ format: 'jwk' }) as Jwk
  // Keep what selects the key for a token: its id, algorithm and use.
  for (const member of ['kid', 'alg', 'use'] as const) {
    if (typeof source?.[member] === 'string') jwk[member] = source[member]
  }
  return jwk
}

/**
 * Reads `--jwt-public-key <file>`: a PEM public key (or certificate), a JWK,
 * or a JWKS, as the local key set `jwtAuth({ jwks })` verifies against. A
 * private key yields its public half, so nothing secret is kept. Throws an
 * Error saying what the file holds otherwise.
 *
 * @example
 * ```ts
 * jwtAuth({ jwks: readJwtKeyFile('./keys/relay.pub.pem'), issuer: 'https://auth.example' })
 * ```
 */
export function readJwtKeyFile(path: string): JwksKeySet {
  const content = readFileSync(path, 'utf8').trim()
  if (!content.startsWith('{')) return { keys: [publicJwk(content)] }
  const parsed = JSON.parse(content) as { keys?: unknown; kty?: unknown }
  const keys = Array.isArray(parsed.keys) ? (parsed.keys as Jwk[]) : [parsed as Jwk]
  if (keys.length === 0) throw new Error('the key set holds no keys')
  return {
    keys: keys.map((jwk) => publicJwk({ key: jwk as JsonWebKey, format: 'jwk' }, jwk)),
  }
}
