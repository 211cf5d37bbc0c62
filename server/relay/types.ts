import type { Server as HttpServer, IncomingHttpHeaders } from 'node:http'
import type { Server, ServerOptions } from 'socket.io'
import type {
  ClientToServerEvents,
  PushResult,
  RejectReason,
  RelayChange,
  ServerToClientEvents,
} from '../../src/protocol'
import type { AnySchema } from '../../src/schemaGate'
import type {
  OnChangeOptions,
  RelayAdmission,
  RestoreVersionResult,
  RoomChangeListener,
  RoomChangesOptions,
  RoomFeedItem,
  RoomState,
  ServerWriteOptions,
  SnapshotVersionResult,
} from '../api/types'
import type { MetricsRegistry, RelayCounts, RelayMetrics } from '../metrics/types'
import type { RedisOwnershipOptions } from '../ownership/redisOwnership'
import type { RedisFanoutOptions } from '../redisAdapter'
import type { RedisConnection } from '../store/redisConnection'
import type { RedisStoreOptions } from '../store/redisStore'
import type { RelayStore, RoomVersionInfo } from '../store/types'
import type { RoomOwnership } from './roomOwnership'

/** What `authenticate` sees of a connecting socket. */
export interface RelayHandshake {
  /** `socket.handshake.auth` from socket.io-client (`io(url, { auth: { token } })`). */
  auth: Record<string, unknown>
  headers: IncomingHttpHeaders
  query: Record<string, unknown>
  address: string
}

/** Read to join and catch up; write to push. */
export type RoomAccess = 'read' | 'write'

/** Limits on what one socket may send. Every field has a default; pass only what you change. */
export interface RelayLimits {
  /** Bytes of one message's JSON form; bigger is refused `too_large`. @defaultValue 1_000_000 */
  maxPayloadBytes: number
  /** Changes in one push; more is refused `too_large` as a whole. @defaultValue 100 */
  maxChangesPerPush: number
  /** Ops in one change; more refuses that change `too_large`. @defaultValue 1000 */
  maxOpsPerChange: number
  /** Segments in an op's path. @defaultValue 32 */
  maxPathDepth: number
  /** Nesting of an op's value (objects and arrays). @defaultValue 32 */
  maxValueDepth: number
  /** Length of a room name, client id or change id. @defaultValue 200 */
  maxIdLength: number
  /**
   * Messages (join, push, catchUp, leave) per second per socket, with bursts
   * of twice that. A push is counted only when it arrives while another push
   * to the same room is unanswered: a client waiting for each answer (as the
   * sync middleware does, coalescing what queues meanwhile) is paced by the
   * relay itself, whatever its write rate. @defaultValue 100
   */
  messagesPerSecond: number
  /** Pushed changes per second per socket, with bursts of twice that. @defaultValue 10_000 */
  changesPerSecond: number
  /**
   * Refused messages a socket may send in a burst (refilling one per second)
   * before it is sent `goodbye` and disconnected. @defaultValue 20
   */
  maxViolations: number
  /** Rooms one socket may be in at once; a further join is refused `too_large`. @defaultValue 100 */
  maxRoomsPerSocket: number
  /** Most changes a join or catch-up returns; further behind gets a snapshot. @defaultValue 1000 */
  maxCatchUp: number
  /** How far a change's timestamp may run ahead of the relay's clock. @defaultValue 600_000 */
  maxClockAheadMs: number
  /** Bytes of one presence value's JSON form; bigger is refused `too_large`. @defaultValue 4096 */
  maxPresenceBytes: number
  /**
   * Presence sets (heartbeats included) per second per socket, with bursts of
   * twice that; more is refused `rate_limited`. @defaultValue 10
   */
  presencePerSecond: number
}

/** One structured log event; the CLI prints each as a JSON line. */
export interface RelayLogEntry {
  level: 'debug' | 'info' | 'warn' | 'error'
  msg: string
  [field: string]: unknown
}

/** `createRelay({ redis })` in full: where Redis is, and how the store and the fan-out use it. */
export interface RelayRedisOptions extends RedisStoreOptions {
  /** A `redis://` / `rediss://` URL, ioredis options, or an ioredis client (used as is, never closed by the relay). */
  connection: RedisConnection
  /** Options of the Socket.IO Redis adapter (channel prefix, request timeout). */
  fanout?: RedisFanoutOptions
  /**
   * One writer per room: the node holding a room's lease in Redis appends its
   * changes and the others forward their clients' pushes to it, so appends of
   * nodes never race (no change is judged twice). Options tune the lease and
   * the forwarding; `false` lets every node append under the store's
   * conditional append instead.
   * @defaultValue true
   */
  ownership?: boolean | RedisOwnershipOptions
}

/** Options of `createRelay`. */
export interface RelayOptions<P = unknown> {
  /** Where rooms' logs and snapshots live. @defaultValue memoryStore() */
  store?: RelayStore
  /**
   * Runs this relay as one node of several sharing Redis: a URL
   * (`redis://[:password@]host:port[/db]`) or `{ connection, prefix?, fanout?, … }`.
   * The relay opens the Redis store, routes broadcasts through the Socket.IO
   * Redis adapter, resyncs its rooms when the adapter's subscription comes
   * back, logs the connection's state, and closes all of it on `close()`.
   * Give it instead of `store` and `adapter`.
   */
  redis?: string | RelayRedisOptions
  /**
   * With `redis`: how long `listen()` waits for the fan-out's subscription to be live
   * before it listens anyway, in ms. Until the subscription is live, joins
   * are refused `unavailable` (clients retry) and `GET /healthz` answers 503
   * with `fanout: 'subscribing'`, since a client that joined then could miss
   * changes other nodes broadcast.
   * @defaultValue 10000
   */
  fanoutReadyTimeoutMs?: number
  /** Close `store` when the relay closes. @defaultValue true */
  closeStore?: boolean
  /**
   * An http server to attach to (its other routes keep working). Without one,
   * the relay creates a server that answers `GET /healthz`,
   * `GET /rooms/:room/snapshot` (`serveRoomSnapshot`) and (with `metrics`)
   * `GET /metrics`, and 404s the rest; call `listen()`.
   */
  httpServer?: HttpServer
  /**
   * Decides who a connecting socket is. Resolve a principal (any value) or
   * throw to refuse the connection (`connect_error` on the client).
   * `jwtAuth()` builds one. @defaultValue everyone is let in with principal `undefined`
   */
  authenticate?: (handshake: RelayHandshake) => P | Promise<P>
  /**
   * Whether a principal may read (join, catch up) or write (push) a room.
   * @defaultValue `roomsClaimAllows`: everything when there is no principal,
   * otherwise the principal's `rooms` / `readRooms` claims
   */
  authorize?: (principal: P, room: string, access: RoomAccess) => boolean | Promise<boolean>
  /**
   * Who a principal's change ids belong to. A client id belongs to the first
   * principal that pushed a change under it in a room, durably (the store
   * keeps it); a join or push under it by another principal is refused
   * `forbidden`, so nobody can write under, replay or suppress another user's
   * ids. Return `undefined` for a principal whose ids are not bound.
   * @defaultValue the principal's `sub` claim when it is a string (what `jwtAuth` verifies)
   */
  principalId?: (principal: P) => string | undefined
  /**
   * The Standard Schema a room's whole state must satisfy after a change; a
   * change that breaks it is refused `schema`. Called once per room.
   */
  schema?: (room: string) => AnySchema | undefined
  /**
   * The schema version of a room's data (`major.minor` or a number). A join
   * with another major is refused `skew`. @defaultValue no check
   */
  schemaVersion?: string | number | ((room: string) => string | number | undefined)
  /**
   * The Standard Schema a presence value must satisfy in a room; a value it
   * refuses is answered `schema` with the issues. Called once per room.
   * @defaultValue any JSON value (within `limits.maxPresenceBytes`)
   */
  presenceSchema?: (room: string) => AnySchema | undefined
  /**
   * How long a presence entry lives without a heartbeat (clients re-send
   * theirs every third of it). Entries of a relay node that died disappear
   * after it. @defaultValue 30_000
   */
  presenceTtlMs?: number
  /** Overrides of the default limits. */
  limits?: Partial<RelayLimits>
  /** Write a snapshot and compact the log every this many changes of a room. @defaultValue 1000 */
  compactEvery?: number
  /** Changes kept in the log behind a snapshot, so clients a little behind still get changes. @defaultValue 200 */
  keepTail?: number
  /** How many past versions of each room the store keeps, and when they are taken (see `relay.versions`). */
  versions?: RoomVersionOptions
  /**
   * The Socket.IO adapter, for a fan-out other than the `redis` option's.
   * @defaultValue Socket.IO's in-memory adapter (or, with `redis`, its Redis adapter)
   */
  adapter?: ServerOptions['adapter']
  /**
   * One writer per room across relay nodes, e.g. `redisOwnership(store)` on
   * every node: the node holding a room's lease appends its changes, the
   * others forward their clients' pushes to it, so appends never race.
   * With `redis` this is set up from its `ownership` option; give it only for
   * a store of your own.
   * @defaultValue none (with `redis`: Redis leases): every node appends under the
   * store's conditional append, and a node that loses a race judges the change again
   */
  ownership?: RoomOwnership
  /**
   * Browser pages of other origins that may connect: `cors` of the Socket.IO
   * server, and the relay's own check of every handshake's `Origin`, on the
   * WebSocket transport too (where CORS does not apply). A page of the relay's
   * own origin, and a client that sends no `Origin` (Node, native apps), always
   * connects; `origin: true` or `'*'` lets any origin in.
   * @defaultValue no cross-origin access
   */
  cors?: { origin: string | string[] | boolean; credentials?: boolean }
  /**
   * Prometheus metrics (needs the optional package `prom-client`): `true` keeps
   * them in a registry of this relay's own, or pass a prom-client `Registry`
   * to add them to yours (one relay per registry). The relay's own http
   * server then answers `GET /metrics`; with `httpServer`, serve
   * `relay.metrics.text()` yourself. @defaultValue false
   */
  metrics?: boolean | MetricsRegistry
  /** Structured log events. @defaultValue silent */
  log?: (entry: RelayLogEntry) => void
  /** Wall clock for timestamps' "too far ahead" check; inject in tests. @defaultValue Date.now */
  now?: () => number
}

/** Retention of room versions (`createRelay`'s `versions`). */
export interface RoomVersionOptions {
  /** Versions kept per room; taking one more drops the oldest. @default 20 */
  keep?: number
  /** Take a version each time compaction writes a snapshot. @default true */
  onCompaction?: boolean
}

/** `GET /healthz` and `relay.health()`. */
export interface RelayHealth {
  /** The store answers and the relay is not shutting down; `GET /healthz` answers 503 otherwise. */
  ok: boolean
  rooms: number
  sockets: number
  /** Whether the store answered its health probe (Redis `PING`, a SQLite query). */
  store: 'ok' | 'unreachable'
  /**
   * With a Redis fan-out: whether its subscription is live. While it is
   * `'subscribing'`, `ok` is false and joins are refused `unavailable`.
   */
  fanout?: 'live' | 'subscribing'
}

/** Why the relay refuses, plus its own goodbyes. */
export type GoodbyeReason = RejectReason | 'shutdown'

/** A running relay. */
export interface Relay {
  io: Server<ClientToServerEvents, ServerToClientEvents>
  httpServer: HttpServer
  /**
   * Listens on `port` (0 picks a free one) and resolves the bound port. With a
   * Redis fan-out it first waits until the fan-out's subscription is live
   * (at most `fanoutReadyTimeoutMs`), so a client that joins as soon as it
   * resolves receives every change other nodes broadcast.
   */
  listen(port?: number, host?: string): Promise<number>
  health(): Promise<RelayHealth>
  /** The relay's Prometheus metrics; `undefined` unless the `metrics` option is set. */
  readonly metrics: RelayMetrics | undefined
  /** Adds an observer told of joins, pushes, reads, broadcasts and store latency; returns what removes it. */
  observe(observer: RelayObserver): () => void
  /** What this relay node holds right now (what the metrics' gauges read). */
  counts(): RelayCounts
  /**
   * The room's state and sequence as a join would see them (the store's
   * snapshot and the log after it, including what other relay nodes appended).
   *
   * @example
   * ```ts
   * const { seq, state } = await relay.read('todos:1')
   * ```
   */
  read(room: string): Promise<RoomState>
  /**
   * Writes `ops` into the room as the server-side writer `origin`, through
   * everything a socket push goes through: the same checks and limits (a
   * socket's rate limits aside), last-writer-wins per path, the room schema
   * and the durable append; then broadcasts it like any change. Resolves the
   * same verdict a push gets: `{ id, seq }` (with `ops` and `dropped` when some
   * ops were stale) or `{ id, reason, message, issues? }`. Bad ops are a
   * verdict, never a rejection; a missing `origin` throws (`PatchwireError('option')`).
   * Not authorized: code on the server is trusted.
   *
   * @example
   * ```ts
   * const verdict = await relay.write('todos:1', [{ op: 'add', path: '/items/-', value: 'Pay' }], { origin: 'billing' })
   * if ('reason' in verdict) console.warn(verdict.reason, verdict.issues)
   * ```
   */
  write(room: string, ops: unknown, options: ServerWriteOptions): Promise<PushResult>
  /**
   * The room's accepted changes after `since`, in sequence order, then live
   * until `signal` aborts or the loop breaks: read from the store's log, so it
   * resumes exactly after the last `seq` a consumer saved, across relay restarts
   * and whichever node accepted the change. When compaction removed changes
   * after `since`, the first item is the room's `snapshot`.
   *
   * @example
   * ```ts
   * for await (const item of relay.changes({ room: 'todos:1', since: await db.lastSeq() })) {
   *   await db.mirror(item) // item.type: 'change' (ops) or 'snapshot' (state)
   * }
   * ```
   */
  changes(options: RoomChangesOptions): AsyncGenerator<RoomFeedItem, void, undefined>
  /**
   * Calls `listener` with every change accepted from now on, by any relay node
   * sharing the store, in sequence order per room and at least once. Returns
   * the unsubscribe. To resume from a saved sequence, use `changes`.
   *
   * @example
   * ```ts
   * const stop = relay.onChange((c) => console.log(c.room, c.seq, c.origin))
   * ```
   */
  onChange(listener: RoomChangeListener, options?: OnChangeOptions): () => void
  /**
   * Whether a request's credentials may `access` the room, with the relay's own
   * `authenticate` and `authorize`, as for a socket. `serveRoomSnapshot` uses it.
   *
   * @example
   * ```ts
   * const admission = await relay.admit({ auth: {}, headers: req.headers, query: {}, address: '' }, 'todos:1', 'read')
   * ```
   */
  admit(handshake: RelayHandshake, room: string, access: RoomAccess): Promise<RelayAdmission>
  /**
   * The room's kept versions, oldest first (`[]` for a room without any):
   * taken on compaction, on demand (`snapshotVersion`) and before each restore,
   * at most `versions.keep` of them.
   *
   * @example
   * ```ts
   * for (const v of await relay.versions('todos:1')) console.log(v.id, v.seq, new Date(v.takenAt), v.reason)
   * ```
   */
  versions(room: string): Promise<RoomVersionInfo[]>
  /**
   * Takes a version of the room's state now (reason `manual`); `unknown_room`
   * for a room never written.
   *
   * @example
   * ```ts
   * const taken = await relay.snapshotVersion('todos:1')
   * if (taken.ok) console.log('version', taken.version.id)
   * ```
   */
  snapshotVersion(room: string): Promise<SnapshotVersionResult>
  /**
   * Restores the room to a version as a new change on top of the log (origin
   * `server:restore`): the ops that turn the current state into the version's,
   * written like `relay.write`, so every client converges to it and nothing
   * after the version leaves the log. A version of the state right before is
   * taken first (reason `restore`, in `before`): restoring it undoes the
   * restore. `unknown_room` / `unknown_version` for bad input; a missing id throws.
   *
   * @example
   * ```ts
   * const restored = await relay.restoreVersion('todos:1', '1200-3f9a1c2e')
   * if (!restored.ok) console.warn(restored.reason, restored.message)
   * ```
   */
  restoreVersion(room: string, id: string): Promise<RestoreVersionResult>
  /**
   * Stops accepting, lets queued pushes finish, says `goodbye('shutdown')` to
   * every socket, closes them, the http server and (by default) the store.
   */
  close(): Promise<void>
}

/** The store operations whose latency the relay reports. */
export type StoreOperation = 'append' | 'since' | 'snapshot'

/** What a join or catch-up was answered with. */
export type ReadAnswer = 'changes' | 'snapshot'

/**
 * What a relay tells about its work, after the fact: each method is called
 * once the thing it names happened, with what an operator would count.
 * Every method is optional. An observer never changes what the relay does;
 * one that throws is logged and the relay goes on.
 */
export interface RelayObserver {
  /** A socket joined `room` (the join was acknowledged). */
  joined?(room: string): void
  /** A join, catch-up or push was refused as a whole. */
  refused?(event: 'join' | 'catchUp' | 'push' | 'presence:set', reason: RejectReason): void
  /** A push was answered with one verdict per change. */
  pushed?(room: string, results: readonly PushResult[]): void
  /** A join or catch-up was answered with the changes after its `since`, or a snapshot. */
  served?(room: string, request: 'join' | 'catchUp', answer: ReadAnswer): void
  /** A change was broadcast to the room. */
  broadcast?(change: RelayChange): void
  /** A store call ended (also when it failed) after `seconds`. */
  storeOperation?(operation: StoreOperation, seconds: number): void
  /**
   * Another writer appended to the room first, so `changes` evaluated for
   * the append were rolled back and are judged again on the newer state.
   * With `ownership` only the owner appends, so this stays at 0.
   */
  redone?(room: string, changes: number): void
  /**
   * The store refused an append of `changes` because the fencing token this
   * node carried is no longer the room's lease: another node owns the room.
   * They are answered `unavailable` and pushed again by their clients.
   */
  fenced?(room: string, changes: number): void
}
