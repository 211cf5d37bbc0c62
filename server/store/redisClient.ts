// patchwire/server's public types must hold in a project without ioredis (the
// SQLite relay role installs none): a declaration that imports 'ioredis' fails
// to type-check there with skipLibCheck off. So the Redis types the public API
// shows are structural; an ioredis client fits them, and inside, the stores use
// ioredis's own types.

/**
 * An ioredis client (`new Redis(…)` from `ioredis`), as far as patchwire's
 * public types describe one. Any ioredis `Redis` (or `Cluster`) instance fits; `store.client`
 * is one, so cast it (`store.client as Redis`) for ioredis's whole API.
 *
 * @example
 * ```ts
 * const store = redisStore('redis://127.0.0.1:6379')
 * await store.client.call('PING')
 * ```
 */
export interface RedisClient {
  /** ioredis's connection status: `'ready'` once connected. */
  readonly status: string
  /** Sends any Redis command. */
  call(command: string, ...args: (string | number)[]): Promise<unknown>
  /** Closes after the pending replies. */
  quit(): Promise<unknown>
  /** Closes at once. */
  disconnect(): void
  /** How many listeners an event has (ioredis clients are event emitters). */
  listenerCount(event: string): number
}

/**
 * ioredis `RedisOptions` (`host`, `port`, `password`, `db`, `tls`, `sentinels`,
 * …), passed to `new Redis(options)` as they are. Typed loosely so these types
 * need no ioredis; see ioredis's documentation for the fields.
 */
export type RedisClientOptions = object
