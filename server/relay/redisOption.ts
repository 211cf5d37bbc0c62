import type { Server } from 'socket.io'
import { describeValue, PatchwireError } from '../../src/errors'
import type { ClientToServerEvents, ServerToClientEvents } from '../../src/protocol'
import { redisOwnership } from '../ownership/redisOwnership'
import { type RedisFanout, redisAdapter, resyncLocalRooms } from '../redisAdapter'
import { isClusterUrl, redactClusterUrl } from '../store/redisCluster'
import type { RedisConnection } from '../store/redisConnection'
import { type RedisRelayStore, redisStore } from '../store/redisStore'
import type { RoomOwnership } from './roomOwnership'
import type { RelayLogEntry, RelayRedisOptions } from './types'

/** What the `redis` option opens for one relay node. */
export interface RelayRedis {
  store: RedisRelayStore
  fanout: RedisFanout
  /** One writer per room through Redis leases, unless the option turned it off. */
  ownership?: RoomOwnership
  /** Starts resyncing local rooms each time the fan-out subscription is back. */
  attach(io: Server<ClientToServerEvents, ServerToClientEvents>): void
}

/** The URL as it may be logged: user and password removed. */
export function redactRedisUrl(connection: RedisConnection): string {
  if (typeof connection !== 'string') return 'redis'
  if (isClusterUrl(connection)) return redactClusterUrl(connection)
  try {
    const u = new URL(connection)
    u.username = ''
    u.password = ''
    return u.toString()
  } catch {
    return 'redis'
  }
}

/**
 * Opens the Redis store and the Socket.IO Redis adapter of one relay node
 * (duplicated connections, so the store's is never put in subscriber mode),
 * logs the connection going down and coming back, and once attached re-sends
 * each local room's latest change when the fan-out subscription is back:
 * broadcasts published meanwhile never reached this node, and the clients
 * that missed some see the sequence jump and catch up from the log.
 */
export function openRelayRedis(
  option: string | RelayRedisOptions,
  log: (entry: RelayLogEntry) => void,
): RelayRedis {
  const given = typeof option === 'string' ? { connection: option } : option
  if (given === null || typeof given !== 'object' || given.connection === undefined) {
    throw new PatchwireError(
      'option',
      `redis must be a redis:// (or redis+cluster://) URL or { connection, prefix?, fanout? }, received ${describeValue(option)}.`,
      { option: 'redis', received: describeValue(option) },
    )
  }
  const {
    connection,
    fanout: fanoutOptions,
    ownership: ownershipOptions = true,
    onConnectionChange,
    ...storeOptions
  } = given
  const label = redactRedisUrl(connection)
  const store = redisStore(connection, {
    ...storeOptions,
    onConnectionChange: (state, error) => {
      if (state === 'up') log({ level: 'info', msg: 'redis connected', redis: label })
      else
        log({
          level: 'warn',
          msg: 'redis connection lost; pushes are refused as unavailable until it is back',
          redis: label,
          ...(error ? { error: error.message } : {}),
        })
      onConnectionChange?.(state, error)
    },
  })
  const fanout = redisAdapter(store.client, fanoutOptions)
  const ownership =
    ownershipOptions === false
      ? undefined
      : redisOwnership(store, ownershipOptions === true ? {} : ownershipOptions)
  return {
    store,
    fanout,
    ...(ownership ? { ownership } : {}),
    attach: (io) => {
      fanout.onResubscribed(() => {
        log({ level: 'info', msg: 'redis fan-out resubscribed', redis: label })
        resyncLocalRooms(io, store).catch((err: unknown) =>
          log({ level: 'warn', msg: 'room resync failed', error: String(err) }),
        )
      })
    },
  }
}
