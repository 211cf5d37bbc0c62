import {
  createLocalJWKSet,
  createRemoteJWKSet,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  jwtVerify,
} from 'jose'
import { PatchwireError } from '../../src/errors'
import type { RelayHandshake } from '../relay/types'
import { setExpiryGrace } from './expiryGrace'

/** Options of `jwtAuth`: a shared `secret` (HS256…) or a `jwks` (URL or key set). */
export interface JwtAuthOptions {
  /** Shared secret for HMAC tokens. */
  secret?: string | Uint8Array
  /** A JWKS URL (fetched and cached by jose) or a JSON Web Key Set, for asymmetric tokens. */
  jwks?: string | URL | JwksKeySet
  /** Required `aud`. @defaultValue not checked */
  audience?: string | string[]
  /** Required `iss`. @defaultValue not checked */
  issuer?: string | string[]
  /** Accepted algorithms. @defaultValue jose's default for the key type */
  algorithms?: string[]
  /** Tolerated clock difference for `exp` and `nbf`, in seconds. @defaultValue 5 */
  clockToleranceSeconds?: number
}

// The public types spell out jose's shapes instead of importing them: jose is
// ESM-only, so a CommonJS declaration importing it fails to type-check (TS1479)
// in a node16 CommonJS project.

/** A JSON Web Key Set (RFC 7517): `{ keys: [{ kty, kid, alg, … }] }`. */
export interface JwksKeySet {
  keys: Array<{ kty: string; kid?: string; alg?: string; use?: string; [member: string]: unknown }>
}

/** The registered claims of a verified token (RFC 7519), plus any others it carries. */
export interface JwtClaims {
  iss?: string
  sub?: string
  aud?: string | string[]
  jti?: string
  nbf?: number
  exp?: number
  iat?: number
  [claim: string]: unknown
}

/** The principal `jwtAuth` resolves: the verified claims. */
export type JwtPrincipal = JwtClaims & { rooms?: unknown; readRooms?: unknown }

/** Reads the token from `auth.token`, or an `Authorization: Bearer` header. */
function tokenOf(handshake: RelayHandshake): string | undefined {
  const fromAuth = handshake.auth?.token
  if (typeof fromAuth === 'string' && fromAuth.length > 0) return fromAuth
  const header = handshake.headers?.authorization
  if (typeof header === 'string' && header.startsWith('Bearer ')) return header.slice(7)
  return undefined
}

/**
 * Builds an `authenticate` for `createRelay` that verifies a JWT (with jose)
 * sent as `io(url, { auth: { token } })`. The verified claims become the
 * principal; the default `authorize` then reads its `rooms` claim (see
 * `roomsClaimAllows`). An expired token is refused at connect, and a socket
 * whose token expires while connected is sent `goodbye('forbidden')`, both
 * once `exp` plus `clockToleranceSeconds` has passed.
 *
 * @example
 * ```ts
 * const relay = createRelay({ authenticate: jwtAuth({ secret: process.env.JWT_SECRET! }) })
 * // token claims: { sub: 'ann', rooms: ['chat:1', 'chat:2'], exp: … }
 * ```
 */
export function jwtAuth(
  options: JwtAuthOptions,
): (handshake: RelayHandshake) => Promise<JwtPrincipal> {
  const { secret, jwks } = options ?? {}
  if ((secret === undefined) === (jwks === undefined)) {
    throw new PatchwireError('option', 'jwtAuth needs exactly one of `secret` or `jwks`.', {
      option: 'secret',
      received: secret === undefined ? 'neither' : 'both',
    })
  }
  let verify: (token: string, opts: JWTVerifyOptions) => Promise<{ payload: JWTPayload }>
  if (secret !== undefined) {
    const key = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret
    if (key.length === 0) {
      throw new PatchwireError('option', 'jwtAuth `secret` must not be empty.', {
        option: 'secret',
        received: 'an empty secret',
      })
    }
    verify = (token, opts) => jwtVerify(token, key, opts)
  } else {
    const getKey: JWTVerifyGetKey =
      typeof jwks === 'string' || jwks instanceof URL
        ? createRemoteJWKSet(new URL(jwks))
        : createLocalJWKSet(jwks as JSONWebKeySet)
    verify = (token, opts) => jwtVerify(token, getKey, opts)
  }
  const verifyOptions: JWTVerifyOptions = {
    clockTolerance: options.clockToleranceSeconds ?? 5,
    ...(options.audience !== undefined ? { audience: options.audience } : {}),
    ...(options.issuer !== undefined ? { issuer: options.issuer } : {}),
    ...(options.algorithms !== undefined ? { algorithms: options.algorithms } : {}),
  }
  return async (handshake) => {
    const token = tokenOf(handshake)
    if (!token)
      throw new PatchwireError(
        'forbidden',
        'No token: connect with auth.token, or send an Authorization: Bearer header.',
        {},
      )
    try {
      const { payload } = await verify(token, verifyOptions)
      // The relay's goodbye on expiry allows the same tolerance as this check.
      setExpiryGrace(payload, verifyOptions.clockTolerance as number)
      return payload as JwtPrincipal
    } catch (err) {
      const why = err instanceof Error ? err.message : 'invalid token'
      throw new PatchwireError('forbidden', `The token was refused: ${why}`, {}, { cause: err })
    }
  }
}
