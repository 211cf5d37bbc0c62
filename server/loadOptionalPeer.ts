import { createRequire } from 'node:module'
import { PatchwireError } from '../src/errors'

/** The optional peer packages `patchwire/server` loads only when a feature needs one. */
export type OptionalPeer =
  | 'socket.io'
  | 'better-sqlite3'
  | 'ioredis'
  | '@socket.io/redis-adapter'
  | 'prom-client'

// Resolved from this file, so the app's node_modules is searched whether this runs
// from dist/ (ESM or CJS; tsup shims import.meta.url in CJS) or from the sources.
// require rather than import(): the peers are CommonJS, and a synchronous load
// keeps `sqliteStore()` and `redisStore()` synchronous.
const requirePeer = createRequire(import.meta.url)

function isMissing(err: unknown, name: OptionalPeer): boolean {
  if (!(err instanceof Error) || (err as { code?: unknown }).code !== 'MODULE_NOT_FOUND') {
    return false
  }
  // Only the peer itself: a broken install of it (a dependency of its own missing) is its error.
  return err.message.includes(`'${name}'`)
}

/**
 * The packages of `names` that are not installed where patchwire can load them.
 *
 * @example
 * ```ts
 * const missing = findMissingPeers(['socket.io', 'better-sqlite3']) // ['better-sqlite3']
 * ```
 */
export function findMissingPeers(names: readonly OptionalPeer[]): OptionalPeer[] {
  return names.filter((name) => {
    try {
      requirePeer.resolve(name)
      return false
    } catch (err) {
      if (isMissing(err, name)) return true
      throw err
    }
  })
}

/**
 * Loads an optional peer dependency on first use. A missing one throws a
 * `PatchwireError('missing_peer')` that names the package, the feature that
 * needs it and the command to install it; any other load failure is rethrown.
 *
 * @example
 * ```ts
 * const Database = loadOptionalPeer<typeof BetterSqlite3>('better-sqlite3', 'sqliteStore')
 * ```
 */
export function loadOptionalPeer<T>(name: OptionalPeer, neededBy: string): T {
  try {
    return requirePeer(name) as T
  } catch (err) {
    if (!isMissing(err, name)) throw err
    throw new PatchwireError(
      'missing_peer',
      `${neededBy} needs the package "${name}", which is not installed. Install it: npm install ${name}`,
      { package: name, neededBy },
      { cause: err },
    )
  }
}
