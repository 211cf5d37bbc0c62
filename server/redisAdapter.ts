import { randomUUID } from 'node:crypto'
import type * as RedisAdapterModule from '@socket.io/redis-adapter'
import type { Cluster, Redis, RedisOptions } from 'ioredis'
import type { Server, ServerOptions } from 'socket.io'
import type { ClientToServerEvents, ServerToClientEvents } from '../src/protocol'
import { loadOptionalPeer } from './loadOptionalPeer'
import { framesRoomOf, isFramesRoom } from './relay/framesRoom'
import { isClusterUrl, parseClusterUrl } from './store/redisCluster'
import {
  handleEveryCommand,
  loadIoredis,
  type RedisConnection,
  reconnectDelay,
} from './store/redisConnection'
import type { RelayStore } from './store/types'

/**
 * Options of `@socket.io/redis-adapter` (written out here so patchwire's types
 * need no adapter installed).
 */
export interface RedisFanoutOptions {
  /** Prefix of the pub/sub channels. @defaultValue 'patchwire' */
  key?: string
  /** How long a cross-node request (`fetchSockets`, `serverSideEmit` with ack) waits, in ms. @defaultValue 5000 */
  requestsTimeout?: number
  /** Answer cross-node requests on a channel per requesting node. @defaultValue false */
  publishOnSpecificResponseChannel?: boolean
  /** Encodes and decodes the published messages. @defaultValue notepack.io */
  parser?: { encode(message: unknown): unknown; decode(message: unknown): unknown }
}

/** The Socket.IO adapter factory and the Redis connections behind it. */
export interface RedisFanout {
  /** Pass to `new Server({ adapter })`, `io.adapter(…)` or `createRelay({ adapter })`. */
  adapter: ServerOptions['adapter']
  /**
   * Resolves once Redis acknowledged the subscriptions of the first namespace
   * built on `adapter` (for a relay, its main namespace): from then on every
   * broadcast another node publishes reaches this node. A client that joined
   * before could miss a change until the room's next one. `relay.listen()`
   * waits for it (see `fanoutReadyTimeoutMs`). Never rejects: while Redis is
   * unreachable it stays pending.
   */
  ready: Promise<void>
  /**
   * Calls `listener` each time the subscribe connection is back after a loss.
   * Messages published meanwhile never reached this node; `createRelay({ redis })`
   * passes `() => resyncLocalRooms(io, store)` so its clients notice what they missed.
   */
  onResubscribed(listener: () => void): () => void
  /** Closes the publish and subscribe connections (after the Socket.IO server closed). */
  close(): Promise<void>
}

// The adapter publishes without handling a rejected promise, so a publish that
// failed while Redis is down would be an unhandled rejection that ends the
// process. These connections therefore queue while offline (without a retry
// limit) and flush once Redis is back; pushes are refused meanwhile anyway,
// because the store fails fast, so little queues up.
//
// Nor do they time commands out, even when duplicated from a store client
// that does (`commandTimeoutMs`): a publish that timed out would be that same
// unhandled rejection.
const QUEUE_WHILE_OFFLINE: RedisOptions = {
  enableOfflineQueue: true,
  maxRetriesPerRequest: null,
  retryStrategy: reconnectDelay,
  commandTimeout: undefined,
}

// On a cluster, classic pub/sub is enough: Redis Cluster forwards every PUBLISH
// to all nodes over its bus, so each relay node's subscriber (on any node of
// the cluster) sees every room's broadcasts, and ioredis moves the subscriber
// to another node when its node fails. The sharded adapter would spread that
// traffic over the shards, at the price of one subscription per room.
function open(connection: RedisConnection): Redis | Cluster {
  const { Redis, Cluster } = loadIoredis('redisAdapter')
  const clusterOptions = (redisOptions: RedisOptions) => ({
    enableOfflineQueue: true,
    clusterRetryStrategy: reconnectDelay,
    redisOptions: { ...redisOptions, maxRetriesPerRequest: null, commandTimeout: undefined },
  })
  if (connection instanceof Cluster) {
    return connection.duplicate(undefined, clusterOptions(connection.options.redisOptions ?? {}))
  }
  if (connection instanceof Redis) return connection.duplicate(QUEUE_WHILE_OFFLINE)
  if (typeof connection === 'string' && isClusterUrl(connection)) {
    const { nodes, redisOptions } = parseClusterUrl(connection)
    return new Cluster(nodes, clusterOptions(redisOptions))
  }
  if (typeof connection === 'string') return new Redis(connection, QUEUE_WHILE_OFFLINE)
  return new Redis({ ...(connection as RedisOptions), ...QUEUE_WHILE_OFFLINE })
}

/** Per adapter built by `redisAdapter`: when its namespace's subscriptions are live. */
const subscriptions = new WeakMap<object, Promise<void>>()

/**
 * When the subscriptions of a namespace's adapter are live, if `redisAdapter`
 * built it; `undefined` for any other adapter (in-memory, or one of the
 * user's own), which has nothing to wait for.
 */
export function fanoutSubscribed(adapter: object): Promise<void> | undefined {
  return subscriptions.get(adapter)
}

/**
 * A connection whose commands never reject unhandled. The queue above holds
 * them while Redis is away, but closing the node empties it: a node closed
 * before its connections were ready (restarted again at once) rejects the
 * adapter's queued subscribes and publishes, which nothing handles.
 */
function connect(connection: RedisConnection): Redis | Cluster {
  return handleEveryCommand(open(connection))
}

async function quit(client: Redis | Cluster): Promise<void> {
  if (client.status === 'ready') {
    await client.quit().catch(() => client.disconnect())
    return
  }
  // Closing while Redis is unreachable fails the adapter's queued (p)subscribe
  // commands; connect() marked each one's promise handled when it was sent, so
  // a relay shut down during an outage does not end on an unhandled rejection.
  client.disconnect()
}

/**
 * Fan-out across relay nodes through Redis pub/sub, with Socket.IO's own
 * `@socket.io/redis-adapter`: a change a node broadcasts to a room reaches
 * the sockets of that room on every node. Opens two connections (publish and
 * subscribe) from a URL, options, or an existing client (duplicated, so the
 * store's connection is never put in subscriber mode).
 *
 * The plain pub/sub adapter is enough here: a message lost while a node is cut
 * off from Redis shows up at the client as a sequence gap, which it fills with
 * `catchUp` from the shared log. The streams adapter's session recovery would
 * duplicate what the log already gives.
 *
 * Used by `createRelay({ redis })`, which also resyncs local rooms on
 * `onResubscribed` and closes the connections with the relay.
 *
 * @example
 * ```ts
 * const fanout = redisAdapter(store.client)
 * const relay = createRelay({ store, adapter: fanout.adapter })
 * // on shutdown: await relay.close(); await fanout.close()
 * ```
 */
export function redisAdapter(
  connection: RedisConnection,
  options: RedisFanoutOptions = {},
): RedisFanout {
  const { createAdapter } = loadOptionalPeer<typeof RedisAdapterModule>(
    '@socket.io/redis-adapter',
    'redisAdapter',
  )
  const pub = connect(connection)
  const sub = connect(connection)
  // Reconnection is reported by the store; these only need a listener so ioredis stays quiet.
  pub.on('error', () => {})
  sub.on('error', () => {})
  const listeners = new Set<() => void>()
  let connectedOnce = false
  sub.on('ready', () => {
    if (!connectedOnce) {
      connectedOnce = true
      return
    }
    // ioredis sends its re-subscribe commands right after 'ready'; a PING
    // queued behind them answers once they took effect, so listeners only
    // run when messages published from now on do reach this node.
    setImmediate(() => {
      sub.ping().then(
        () => {
          for (const l of listeners) l()
        },
        () => {},
      )
    })
  })
  const key = options.key ?? 'patchwire'
  const build = createAdapter(pub, sub, { ...options, key })
  let subscribed!: () => void
  const ready = new Promise<void>((resolve) => {
    subscribed = resolve
  })
  // The adapter sends its (P)SUBSCRIBE commands without awaiting them. A
  // SUBSCRIBE sent after them on the same connection is answered after them,
  // so its reply says they took effect. SUBSCRIBE, unlike PING, also goes to
  // the subscriber's connection on a Redis Cluster client.
  const probe = `${key}#ready#${randomUUID()}`
  // Socket.IO calls it with `new`, which takes the object it returns.
  function adapter(nsp: unknown) {
    const built = new (build as unknown as new (nsp: unknown) => object)(nsp)
    const live = new Promise<void>((resolve) => {
      sub.subscribe(probe).then(
        () => {
          resolve()
          subscribed()
          sub.unsubscribe(probe).catch(() => {})
        },
        // Fails only when the connection closed; the relay's bound on waiting applies.
        () => {},
      )
    })
    subscriptions.set(built, live)
    return built
  }
  return {
    adapter: adapter as unknown as ServerOptions['adapter'],
    ready,
    onResubscribed: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    close: async () => {
      await Promise.all([quit(pub), quit(sub)])
    },
  }
}

/**
 * Sends every local room's latest change to its sockets on this node only.
 * Clients ignore it when they have it and see a sequence gap (then catch up)
 * when they missed changes — e.g. broadcasts published while this node's
 * subscription to Redis was down.
 *
 * @example
 * ```ts
 * fanout.onResubscribed(() => void resyncLocalRooms(relay.io, store))
 * ```
 */
export async function resyncLocalRooms(
  io: Server<ClientToServerEvents, ServerToClientEvents>,
  store: RelayStore,
): Promise<void> {
  const nsp = io.of('/')
  const rooms = [...nsp.adapter.rooms.keys()].filter(
    (name) => !nsp.sockets.has(name) && !isFramesRoom(name),
  )
  await Promise.all(
    rooms.map(async (room) => {
      const head = await store.head(room)
      if (head === 0) return
      const last = await store.since(room, head - 1, 1)
      const change = last?.[0]
      if (!change) return
      const frames = framesRoomOf(room)
      io.local
        .to(room)
        .except(frames)
        .emit('change', { room, ...change })
      io.local.to(frames).emit('changes', { room, changes: [{ room, ...change }] })
    }),
  )
}
