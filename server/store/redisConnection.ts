import type { Cluster, Redis, RedisOptions } from 'ioredis'
import { PatchwireError } from '../../src/errors'
import { loadOptionalPeer } from '../loadOptionalPeer'
import type { RedisClient, RedisClientOptions } from './redisClient'
import { failFastClusterOptions, isClusterUrl, parseClusterUrl } from './redisCluster'

/**
 * What the Redis store and adapter are given to reach Redis: a URL
 * (`redis://…`, or `redis+cluster://host:port,host:port` for a Redis Cluster),
 * ioredis options, or an ioredis client (`Redis` or `Cluster`).
 */
export type RedisConnection = string | RedisClientOptions | RedisClient

/** ioredis, loaded when a Redis store or adapter is first created (it is an optional peer). */
export function loadIoredis(neededBy: string): typeof import('ioredis') {
  return loadOptionalPeer<typeof import('ioredis')>('ioredis', neededBy)
}

/** The state of the store's connection to Redis, as reported to `onConnectionChange`. */
export type RedisConnectionState = 'up' | 'down'

/**
 * Redis replies that mean "not now" rather than "never": the server is loading
 * its data, failing over, or a replica was written to. A relay refuses the
 * push with the retryable reason `unavailable` and the client re-pushes later.
 */
const TRANSIENT_REPLY = /^(LOADING|MASTERDOWN|READONLY|BUSY|TRYAGAIN|CLUSTERDOWN|NOREPLICAS)\b/

/** The error every store operation fails with while Redis cannot be reached. */
export function redisUnavailable(cause?: unknown): PatchwireError<'transport'> {
  const detail = cause instanceof Error ? `: ${cause.message}` : ''
  return new PatchwireError(
    'transport',
    `Redis is unavailable${detail}. The operation can be retried once it is back.`,
    { reason: 'unavailable' },
    cause === undefined ? undefined : { cause },
  )
}

/**
 * Whether a store error means "retry later" (Redis down, loading, failing
 * over) rather than a bug or bad data; the relay answers such failures with
 * the reason `unavailable`.
 *
 * @example
 * ```ts
 * catch (err) { if (isRedisUnavailable(err)) return { ok: false, reason: 'unavailable', message: String(err) } }
 * ```
 */
export function isRedisUnavailable(err: unknown): boolean {
  return (
    err instanceof PatchwireError &&
    err.code === 'transport' &&
    (err.details as { reason?: string }).reason === 'unavailable'
  )
}

/** Maps an ioredis failure to `redisUnavailable` when it is about reaching Redis; other errors pass through. */
export function toStoreError(err: unknown): unknown {
  if (err instanceof PatchwireError) return err
  if (err instanceof Error && err.name === 'ReplyError' && !TRANSIENT_REPLY.test(err.message)) {
    return err
  }
  // Connection closed, MaxRetriesPerRequestError, command timeout, unwritable stream, transient reply.
  return redisUnavailable(err)
}

/**
 * Options that make ioredis fail fast instead of queueing while Redis is down:
 * a push must be refused (and retried by its client) rather than wait unboundedly,
 * while the client keeps reconnecting in the background with a capped backoff.
 */
export const FAIL_FAST_OPTIONS: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  retryStrategy: reconnectDelay,
}

/** Capped exponential backoff of every reconnect: 50 ms, 100 ms, … then every second. */
export function reconnectDelay(attempt: number): number {
  return Math.min(50 * 2 ** Math.min(attempt, 5), 1_000)
}

/**
 * Builds (or adopts) an ioredis client. A client passed in is used as it is
 * and is not closed by the store; one built here is owned and closed, and
 * gives up on a command after `commandTimeoutMs`.
 */
export function openRedis(
  connection: RedisConnection,
  { commandTimeoutMs }: { commandTimeoutMs: number },
): {
  client: Redis | Cluster
  owned: boolean
} {
  const { Redis, Cluster } = loadIoredis('redisStore')
  if (connection instanceof Redis || connection instanceof Cluster) {
    return { client: connection, owned: false }
  }
  // A connection whose peer went dark (a partition, a pulled cable) stays
  // "ready" and TCP holds the command for minutes; the timeout turns that
  // into a retryable `unavailable` instead of a push that never gets a verdict.
  const options: RedisOptions = { ...FAIL_FAST_OPTIONS, commandTimeout: commandTimeoutMs }
  if (typeof connection === 'string') {
    if (isClusterUrl(connection)) {
      const { nodes, redisOptions } = parseClusterUrl(connection)
      const perNode = { ...redisOptions, commandTimeout: commandTimeoutMs }
      return {
        client: new Cluster(nodes, failFastClusterOptions(perNode, reconnectDelay)),
        owned: true,
      }
    }
    if (!/^rediss?:\/\//.test(connection)) {
      throw new PatchwireError(
        'option',
        `redisStore needs a redis://, rediss:// or redis+cluster:// URL, received "${connection}".`,
        { option: 'url', received: connection },
      )
    }
    return { client: new Redis(connection, options), owned: true }
  }
  return {
    client: new Redis({ ...options, ...(connection as RedisOptions) }),
    owned: true,
  }
}

/**
 * A gate in front of every store operation: resolves at once when the client
 * is ready, otherwise waits for its next 'ready' at most `ms` (covers start-up
 * and a reconnect already under way) and rejects with `redisUnavailable`.
 * All waiting operations share one 'ready' listener, however many there are
 * during an outage.
 */
export function readyGate(client: Redis | Cluster, ms: number): () => Promise<void> {
  const waiters = new Set<() => void>()
  client.on('ready', () => {
    for (const wake of waiters) wake()
    waiters.clear()
  })
  return () => {
    if (client.status === 'ready') return Promise.resolve()
    if (client.status === 'end') {
      return Promise.reject(redisUnavailable(new Error('connection ended')))
    }
    return new Promise((resolve, reject) => {
      const wake = () => {
        clearTimeout(timer)
        resolve()
      }
      const timer = setTimeout(() => {
        waiters.delete(wake)
        reject(redisUnavailable(new Error(`not connected within ${ms} ms`)))
      }, ms)
      waiters.add(wake)
    })
  }
}

/**
 * Makes every command `client` sends mark its promise handled, and returns
 * `client`. ioredis sends commands of its own whose promises nothing handles:
 * the subscriptions it repeats once a lost connection is back, and whatever
 * the offline queue holds. Closing the connection, or losing it while it
 * closes, rejects those with `Connection is closed.`, an unhandled rejection
 * that would end a relay process. Callers that await a command still see its
 * rejection. For the connections that queue and subscribe (fan-out,
 * forwarding); a Cluster routes every command through its own `sendCommand`
 * before its nodes', so wrapping the outer one covers both kinds.
 */
export function handleEveryCommand<C extends Redis | Cluster>(client: C): C {
  const target = client as unknown as { sendCommand: (...args: unknown[]) => unknown }
  const send = target.sendCommand.bind(client)
  target.sendCommand = (...args: unknown[]) => {
    ;(args[0] as { promise?: Promise<unknown> }).promise?.catch(() => {})
    return send(...args)
  }
  return client
}
