import { redisAdapter, resyncLocalRooms } from '../redisAdapter'
import type { Relay, RelayLogEntry } from '../relay/types'
import { isClusterUrl, redactClusterUrl } from '../store/redisCluster'
import { type RedisRelayStore, redisStore } from '../store/redisStore'

/** What `patchwire relay --redis <url>` adds to a relay node. */
export interface RedisNode {
  store: RedisRelayStore
  /** The URL without its credentials, for logs. */
  label: string
  /** Routes the relay's broadcasts through Redis; call before it listens. */
  attach(relay: Relay): void
  /** Closes the fan-out connections; the relay closes the store. */
  close(): Promise<void>
}

/** The URL as it may be logged: user and password removed. */
function redact(url: string): string {
  if (isClusterUrl(url)) return redactClusterUrl(url)
  try {
    const u = new URL(url)
    u.username = ''
    u.password = ''
    return u.toString()
  } catch {
    return 'redis'
  }
}

/**
 * Sets up a relay node that shares its rooms through Redis: the Redis store,
 * the Socket.IO Redis adapter on duplicated connections, logs of the
 * connection going down and coming back, and a resync of local rooms once the
 * fan-out subscription is back.
 *
 * @example
 * ```ts
 * const node = redisNode('redis://127.0.0.1:6379', log)
 * const relay = createRelay({ store: node.store })
 * node.attach(relay)
 * ```
 */
export function redisNode(url: string, log: (entry: RelayLogEntry) => void): RedisNode {
  const label = redact(url)
  const store = redisStore(url, {
    onConnectionChange: (state, error) =>
      state === 'up'
        ? log({ level: 'info', msg: 'redis connected', redis: label })
        : log({
            level: 'warn',
            msg: 'redis connection lost; pushes are refused as unavailable until it is back',
            redis: label,
            ...(error ? { error: error.message } : {}),
          }),
  })
  const fanout = redisAdapter(store.client)
  return {
    store,
    label,
    attach: (relay) => {
      relay.io.adapter(fanout.adapter)
      fanout.onResubscribed(() => {
        log({ level: 'info', msg: 'redis fan-out resubscribed', redis: label })
        resyncLocalRooms(relay.io, store).catch((err: unknown) =>
          log({ level: 'warn', msg: 'room resync failed', error: String(err) }),
        )
      })
    },
    close: () => fanout.close(),
  }
}
