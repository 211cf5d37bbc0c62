import type { Cluster, Redis, RedisOptions } from 'ioredis'
import { isCluster } from '../store/redisCluster'
import { handleEveryCommand, reconnectDelay } from '../store/redisConnection'

/** One channel per relay node, as forwarded pushes travel on them. */
export interface NodeChannels {
  /** Publishes `message`; resolves to how many subscribers of `channel` the server that ran it counted. */
  publish(channel: string, message: string): Promise<number>
  /**
   * Whether a count of 0 proves that nobody listens: true on one server;
   * false on a cluster, where the count can come from a node that is not the
   * one the subscriber is on (see `nodeChannels`).
   */
  readonly zeroMeansNobody: boolean
  /** Listens on `channel`; ioredis subscribes again by itself after a connection loss. */
  subscribe(channel: string): Promise<void>
  /** Calls `listener` with each message of the channels subscribed. */
  onMessage(listener: (message: string) => void): void
  /** Closes the subscriber (the publisher is the store's and stays open). */
  close(): Promise<void>
}

// The subscriber queues while offline and resubscribes by itself, like the
// fan-out's (see redisAdapter.ts), and has no command timeout even when the
// store's client has one: that timeout turns a dark link under a push into
// `unavailable`, but a subscriber sends almost nothing, and a SUBSCRIBE that
// timed out would fail `listen` while ioredis went on to subscribe anyway.
const SUBSCRIBER: RedisOptions = {
  enableOfflineQueue: true,
  maxRetriesPerRequest: null,
  retryStrategy: reconnectDelay,
  commandTimeout: undefined,
}

async function quit(sub: Redis | Cluster): Promise<void> {
  if (sub.status === 'ready') await sub.quit().catch(() => sub.disconnect())
  else sub.disconnect()
}

/** How often the sharded subscriber reads the cluster's slot map, to follow a failover. */
const SLOTS_REFRESH_MS = 1_000

/**
 * Per-node channels on `client` (the store's fail-fast client, which
 * publishes). On one server, classic pub/sub: `PUBLISH` counts every
 * subscriber. On a cluster, classic `PUBLISH` counts only the subscribers of
 * the cluster node it ran on (the bus carries the message to the others), so
 * 0 would not mean that nobody listens; sharded pub/sub routes a channel by
 * its slot instead, both `SSUBSCRIBE` and `SPUBLISH` go to the master of that
 * slot, and `SPUBLISH`'s count is then every subscriber of the channel
 * (Redis 7 or later) — as long as the publisher's slot map is current. After
 * a failover whose old master came back as a replica, a publisher that was
 * not told of the move (nothing it sent was answered MOVED) still sends
 * there, and a replica serves `SPUBLISH` for its master's slots itself: it
 * counts only its own subscribers (none) while the cluster bus carries the
 * message to the new master's. So on a cluster a count of 0 proves nothing.
 */
export function nodeChannels(client: Redis | Cluster): NodeChannels {
  if (isCluster(client)) {
    // Its commands are marked handled, as the single server's below.
    const sub = handleEveryCommand(
      client.duplicate(undefined, {
        enableOfflineQueue: true,
        // One subscriber per master, each subscribed to the channels of that master's slots.
        shardedSubscribers: true,
        // A failover moves slots without closing the old master's connection: the
        // old master only drops its subscribers (SUNSUBSCRIBE), and nothing is sent
        // here that could come back MOVED. So the subscriber learns of the move by
        // polling the slot map, then subscribes again on the new master; meanwhile
        // forwards to this node get no answer and time out as `unavailable`.
        slotsRefreshInterval: SLOTS_REFRESH_MS,
        redisOptions: {
          ...client.options.redisOptions,
          maxRetriesPerRequest: null,
          commandTimeout: undefined,
        },
      }),
    )
    // Connection losses are reported by the store; this one only needs a listener so ioredis stays quiet.
    sub.on('error', () => {})
    return {
      zeroMeansNobody: false,
      // ioredis types SPUBLISH's reply loosely; Redis answers an integer, like PUBLISH.
      publish: async (channel, message) => Number(await client.spublish(channel, message)),
      subscribe: async (channel) => {
        await sub.ssubscribe(channel)
      },
      onMessage: (listener) => {
        sub.on('smessage', (_channel: string, message: string) => listener(message))
      },
      close: () => quit(sub),
    }
  }
  // ioredis subscribes again by itself after a reconnect, handling nothing; a
  // loss or close before the answer would reject that SUBSCRIBE unhandled.
  const sub = handleEveryCommand(client.duplicate(SUBSCRIBER))
  sub.on('error', () => {})
  return {
    zeroMeansNobody: true,
    publish: (channel, message) => client.publish(channel, message),
    subscribe: async (channel) => {
      await sub.subscribe(channel)
    },
    onMessage: (listener) => {
      sub.on('message', (_channel: string, message: string) => listener(message))
    },
    close: () => quit(sub),
  }
}
