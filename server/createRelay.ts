import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type * as SocketIo from 'socket.io'
import { describeValue, PatchwireError } from '../src/errors'
import type { ClientToServerEvents, ServerToClientEvents } from '../src/protocol'
import { createSchemaGate } from '../src/schemaGate'
import { createChangeHub } from './api/createChangeHub'
import { createServerApi } from './api/createServerApi'
import { serveRoomSnapshot } from './api/serveRoomSnapshot'
import { createServerWriter } from './api/serverWriter'
import { roomsClaimAllows } from './auth/roomsClaimAllows'
import { loadOptionalPeer } from './loadOptionalPeer'
import { createRelayMetrics } from './metrics/createRelayMetrics'
import { serveMetrics } from './metrics/serveMetrics'
import type { RelayCounts } from './metrics/types'
import { fanoutSubscribed } from './redisAdapter'
import { framesRoomOf } from './relay/framesRoom'
import { handleSocket, type RelaySocket } from './relay/handleSocket'
import { resolveLimits } from './relay/limits'
import { createRelayObservers } from './relay/observer'
import { originAllowed } from './relay/originCheck'
import { createPresenceHub } from './relay/presence'
import { probeStore } from './relay/probeStore'
import { openRelayRedis } from './relay/redisOption'
import { createRoom, type Room } from './relay/room'
import { resolveVersionOptions } from './relay/roomVersion'
import { screenBeforeRouting } from './relay/screenBeforeRouting'
import type { Relay, RelayHandshake, RelayHealth, RelayOptions, RoomAccess } from './relay/types'
import { memoryStore } from './store/memoryStore'

const silent = (): void => {}

/** A principal's `sub` claim, when it is a string: what ids are bound to by default. */
const subClaim = (principal: unknown): string | undefined => {
  const sub = (principal as { sub?: unknown } | null | undefined)?.sub
  return typeof sub === 'string' && sub.length > 0 ? sub : undefined
}

function positiveInt(value: unknown, option: string, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new PatchwireError(
      'option',
      `${option} must be a positive integer, received ${describeValue(value)}.`,
      { option, received: describeValue(value) },
    )
  }
  return value
}

/**
 * Creates the patchwire relay: a Socket.IO server that orders, validates,
 * stores and fans out the changes of each room (DESIGN §3–5).
 *
 * Per room, pushes are applied one at a time: each change gets the next
 * sequence, ops older than the last write to an overlapping path are dropped
 * as stale, the room schema (if any) must accept the result, the store
 * appends it durably, and only then is it acknowledged and broadcast as a
 * `change`. A re-sent change id is acknowledged with its original sequence.
 *
 * Code beside the relay reads and writes rooms through the same path
 * (`relay.read`, `relay.write`) and follows accepted changes (`relay.changes`,
 * `relay.onChange`); its http server also answers `GET /rooms/:room/snapshot`.
 *
 * @example
 * ```ts
 * const relay = createRelay({
 *   store: sqliteStore({ file: './.data/patchwire.db' }),
 *   authenticate: jwtAuth({ secret: process.env.JWT_SECRET! }),
 *   schema: (room) => (room.startsWith('chat:') ? ChatState : undefined),
 * })
 * const port = await relay.listen(8787, '127.0.0.1')
 * ```
 */
export function createRelay<P = unknown>(options: RelayOptions<P> = {}): Relay {
  // Loaded here, not at the top: `patchwire/server` also serves apps without a
  // relay (createFileStorage for a Node persist), which need not install socket.io.
  const { Server } = loadOptionalPeer<typeof SocketIo>('socket.io', 'createRelay')
  const limits = resolveLimits(options.limits)
  const now = options.now ?? Date.now
  const log = options.log ?? silent
  for (const option of ['store', 'adapter'] as const) {
    if (options.redis !== undefined && options[option] !== undefined) {
      throw new PatchwireError(
        'option',
        `redis opens the store and the adapter itself; give either redis or ${option}, received both.`,
        { option, received: `${option} with redis` },
      )
    }
  }
  const redis = options.redis === undefined ? undefined : openRelayRedis(options.redis, log)
  const store = redis?.store ?? options.store ?? memoryStore()
  const compactEvery = positiveInt(options.compactEvery, 'compactEvery', 1000)
  const keepTail = positiveInt(options.keepTail, 'keepTail', 200)
  const fanoutReadyTimeoutMs = positiveInt(
    options.fanoutReadyTimeoutMs,
    'fanoutReadyTimeoutMs',
    10_000,
  )
  const versions = resolveVersionOptions(options.versions)
  const authorize =
    options.authorize ?? (roomsClaimAllows as NonNullable<RelayOptions<P>['authorize']>)
  if (options.principalId !== undefined && typeof options.principalId !== 'function') {
    throw new PatchwireError(
      'option',
      `principalId must be a function, received ${describeValue(options.principalId)}.`,
      { option: 'principalId', received: describeValue(options.principalId) },
    )
  }
  const principalId = (options.principalId ?? subClaim) as (
    principal: unknown,
  ) => string | undefined
  if (options.authenticate !== undefined && typeof options.authenticate !== 'function') {
    throw new PatchwireError(
      'option',
      `authenticate must be a function, received ${describeValue(options.authenticate)}.`,
      {
        option: 'authenticate',
        received: describeValue(options.authenticate),
      },
    )
  }

  const observers = createRelayObservers(log)
  const counts = (): RelayCounts => ({
    sockets: io.of('/').sockets.size,
    rooms: rooms.size,
    // Read at scrape time, after the presence hub below exists.
    presenceEntries: presence.size(),
  })
  const built =
    options.metrics === undefined || options.metrics === false
      ? undefined
      : createRelayMetrics(options.metrics, counts)
  if (built) observers.add(built.observer)
  const metrics = built?.metrics

  const httpServer =
    options.httpServer ??
    createServer((req, res) => {
      const path = req.method === 'GET' ? req.url?.split('?')[0] : undefined
      if (path === '/healthz') {
        void health().then((h) => {
          res.writeHead(h.ok ? 200 : 503, { 'content-type': 'application/json' })
          res.end(JSON.stringify(h))
        })
        return
      }
      if (path === '/metrics' && metrics) {
        void serveMetrics(metrics, res)
        return
      }
      void serveRoomSnapshot(req, res, relay).then((served) => {
        if (!served) res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
      })
    })

  const io = new Server<ClientToServerEvents, ServerToClientEvents>(httpServer, {
    // Engine.IO's hard cap disconnects; the per-message check below it answers `too_large` instead.
    maxHttpBufferSize: limits.maxPayloadBytes * 2 + 64 * 1024,
    ...(options.cors ? { cors: options.cors } : {}),
    // Every transport, WebSocket included, where CORS does not apply.
    allowRequest: (req, answer) => {
      if (originAllowed(req, options.cors?.origin)) answer(null, true)
      else answer(`origin ${req.headers.origin} is not allowed (see cors.origin)`, false)
    },
    ...(options.adapter ? { adapter: options.adapter } : {}),
    ...(redis ? { adapter: redis.fanout.adapter } : {}),
  })
  redis?.attach(io)
  // A Redis fan-out subscribes asynchronously: until Redis acknowledged it,
  // other nodes' broadcasts do not reach this node.
  const subscribed = fanoutSubscribed(io.of('/').adapter)
  let fanoutLive = subscribed === undefined
  void subscribed?.then(() => {
    fanoutLive = true
  })

  const hub = createChangeHub(io)
  const writer = createServerWriter(limits, now)
  hub.subscribe((note) => writer.observe(note.ts))
  if (options.schema !== undefined && typeof options.schema !== 'function') {
    throw new PatchwireError(
      'option',
      `schema must be a function of the room returning a Standard Schema (schema: () => AppState), received ${describeValue(options.schema)}.`,
      { option: 'schema', received: describeValue(options.schema) },
    )
  }
  if (options.presenceSchema !== undefined && typeof options.presenceSchema !== 'function') {
    throw new PatchwireError(
      'option',
      `presenceSchema must be a function of the room, received ${describeValue(options.presenceSchema)}.`,
      { option: 'presenceSchema', received: describeValue(options.presenceSchema) },
    )
  }
  const presence = createPresenceHub({
    io,
    ttlMs: positiveInt(options.presenceTtlMs, 'presenceTtlMs', 30_000),
    limits,
    schema: options.presenceSchema,
    now,
    log,
  })

  const ownership = options.ownership ?? redis?.ownership
  // With Socket.IO's own in-memory adapter every member is on this node: an emit that
  // would reach nobody (no socket reading events, or none reading frames) is skipped.
  // Through any other adapter (also one set later with `relay.io.adapter(…)`) members
  // elsewhere are unknown here, so both always go out.
  const memoryAdapter = options.adapter === undefined && redis === undefined ? io.adapter() : null
  const audience = (name: string, frames: string): { events: boolean; readers: boolean } => {
    if (io.adapter() !== memoryAdapter) return { events: true, readers: true }
    const members = io.of('/').adapter.rooms
    const all = members.get(name)?.size ?? 0
    // A frame reader is in both rooms, so the frame readers are a part of the room.
    const reading = members.get(frames)?.size ?? 0
    return { events: all > reading, readers: reading > 0 }
  }
  /** Rooms as this node runs them; with ownership, `room()` routes their pushes to the owner. */
  const rooms = new Map<string, Room>()
  const routed = new Map<string, Room>()
  const localRoom = (name: string): Room => {
    let r = rooms.get(name)
    if (!r) {
      const schema = options.schema?.(name)
      r = createRoom(name, {
        store,
        gate: schema ? createSchemaGate(schema) : undefined,
        limits,
        now,
        compactEvery,
        keepTail,
        versionKeep: versions.onCompaction ? versions.keep : undefined,
        broadcast: (changes, except) => {
          const frames = framesRoomOf(name)
          const { events, readers } = audience(name, frames)
          if (events) {
            const to = io.to(name).except(except === undefined ? [frames] : [frames, except])
            for (const change of changes) to.emit('change', change)
          }
          if (readers) {
            const to = except === undefined ? io.to(frames) : io.to(frames).except(except)
            to.emit('changes', { room: name, changes: [...changes] })
          }
          for (const change of changes) {
            observers.broadcast(change)
            hub.accepted({ room: name, seq: change.seq, ts: change.ts })
          }
        },
        log,
        observe: observers,
        ...(ownership
          ? {
              lease: {
                token: () => ownership.token(name),
                lost: (token: number) => ownership.lost(name, token),
              },
            }
          : {}),
      })
      rooms.set(name, r)
    }
    return r
  }
  const room = (name: string): Room => {
    const r = localRoom(name)
    if (!ownership) return r
    let front = routed.get(name)
    if (front?.queue !== r.queue) {
      // A forwarded push runs on another node, which cannot tell the sender's
      // socket: its changes are echoed, and the sender ignores a sequence it has.
      front = {
        ...r,
        push: (origin, changes) =>
          screenBeforeRouting(origin, changes, limits, now(), (routed) =>
            ownership.route(name, origin, routed),
          ),
      }
      routed.set(name, front)
    }
    return front
  }
  ownership?.attach({
    push: (name, origin, changes) => localRoom(name).push(origin, changes),
    drained: async () => {
      await Promise.all([...rooms.values()].map((r) => r.queue.drained()))
    },
    released: (name) => release(name),
    log,
  })

  // A room nobody is in is dropped from memory once its queued work is done;
  // the next join loads it from the store again. Keeps a long-running relay's
  // memory to the rooms in use.
  const release = (name: string): void => {
    const r = rooms.get(name)
    if (!r) return
    void r.queue.run(async () => {
      if (rooms.get(name) === r && !io.of('/').adapter.rooms.has(name)) {
        rooms.delete(name)
        routed.delete(name)
      }
    })
  }
  io.of('/').adapter.on('delete-room', release)

  const major = (name: string): string | undefined => {
    const v =
      typeof options.schemaVersion === 'function'
        ? options.schemaVersion(name)
        : options.schemaVersion
    return v === undefined ? undefined : String(v).split('.')[0]
  }

  let closing = false
  /** Tells a socket the relay is going away, so its client comes back once it is up again. */
  const sayGoodbye = (socket: RelaySocket): void => {
    socket.emit('goodbye', { reason: 'shutdown', message: 'The relay is shutting down.' })
    socket.disconnect(true)
  }
  io.use((socket, next) => {
    // A connection while closing is let in to be told goodbye (in the connection handler):
    // socket.io-client never retries a connection its server's middleware refused, but a
    // client told goodbye comes back, as those connected before the close do.
    if (closing) return next()
    if (!options.authenticate) return next()
    const handshake: RelayHandshake = {
      auth: (socket.handshake.auth ?? {}) as Record<string, unknown>,
      headers: socket.handshake.headers,
      query: socket.handshake.query as Record<string, unknown>,
      address: socket.handshake.address,
    }
    Promise.resolve()
      .then(() => options.authenticate!(handshake))
      .then((principal) => {
        socket.data.principal = principal
        next()
      })
      .catch((err: unknown) => {
        const message = err instanceof Error ? err.message : 'Authentication failed.'
        log({ level: 'info', msg: 'connection refused', address: handshake.address, message })
        next(new Error(message))
      })
  })

  const allowed = async (principal: unknown, name: string, access: RoomAccess) => {
    try {
      return (await authorize(principal as P, name, access)) === true
    } catch (err) {
      log({ level: 'error', msg: 'authorize failed', room: name, error: String(err) })
      return false
    }
  }

  io.on('connection', (socket) => {
    if (closing) {
      sayGoodbye(socket)
      return
    }
    log({ level: 'debug', msg: 'connected', socket: socket.id, address: socket.handshake.address })
    socket.on('disconnect', (reason) =>
      log({ level: 'debug', msg: 'disconnected', socket: socket.id, reason }),
    )
    handleSocket(socket, socket.data.principal, {
      limits,
      now,
      room,
      allowed,
      major,
      principalId: (principal) => {
        // Without authentication there are no principals to tell apart.
        if (!options.authenticate) return undefined
        const id = principalId(principal)
        return typeof id === 'string' ? id : undefined
      },
      store,
      log,
      observe: observers,
      presence,
      fanoutLive: () => fanoutLive,
    })
  })

  const health = async (): Promise<RelayHealth> => {
    const reachable = await probeStore(store)
    return {
      ok: reachable && !closing && fanoutLive,
      rooms: rooms.size,
      sockets: io.of('/').sockets.size,
      store: reachable ? 'ok' : 'unreachable',
      ...(subscribed ? { fanout: fanoutLive ? 'live' : 'subscribing' } : {}),
    }
  }

  const { stop: stopServerApi, ...serverApi } = createServerApi({
    store,
    limits,
    versions,
    now,
    room,
    release,
    hub,
    writer,
    closing: () => closing,
    authenticate: options.authenticate,
    allowed,
    log,
  })

  /** Waits, bounded, for the fan-out's subscription; past the bound joins stay refused until it is live. */
  const fanoutReady = async (): Promise<void> => {
    if (!subscribed || fanoutLive) return
    let timer: ReturnType<typeof setTimeout> | undefined
    const live = await Promise.race([
      subscribed.then(() => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), fanoutReadyTimeoutMs)
      }),
    ])
    clearTimeout(timer)
    if (live) return
    log({
      level: 'warn',
      msg: 'redis fan-out not subscribed yet; joins are refused as unavailable until it is',
      waitedMs: fanoutReadyTimeoutMs,
    })
    void subscribed.then(() => log({ level: 'info', msg: 'redis fan-out subscribed' }))
  }

  const relay: Relay = {
    ...serverApi,
    io,
    httpServer,
    listen: async (port = 0, host) => {
      await fanoutReady()
      return new Promise<number>((resolve, reject) => {
        httpServer.once('error', reject)
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject)
          resolve((httpServer.address() as AddressInfo).port)
        })
      })
    },
    health,
    metrics,
    observe: (observer) => observers.add(observer),
    counts,
    close: async () => {
      if (closing) return
      closing = true
      stopServerApi()
      presence.close()
      // Releases the leases once queued work is done: other nodes take the rooms over at once.
      await ownership?.close()
      await Promise.all([...rooms.values()].map((r) => r.queue.drained()))
      for (const socket of io.of('/').sockets.values()) sayGoodbye(socket)
      await new Promise<void>((resolve) => {
        io.close(() => resolve())
        // Idle keep-alive connections would hold httpServer.close open.
        httpServer.closeAllConnections?.()
      })
      log({ level: 'info', msg: 'relay closed' })
      await redis?.fanout.close()
      if (options.closeStore !== false) await store.close()
    },
  }
  return relay
}
