import type { Server as HttpServer, IncomingHttpHeaders } from 'node:http'
import type { Server, ServerOptions } from 'socket.io'
import type { ClientToServerEvents, RejectReason, ServerToClientEvents } from '../../src/protocol'
import type { AnySchema } from '../../src/schemaGate'
import type { RelayStore } from '../store/types'

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
  /** Bytes of one message's JSON form; bigger is refused `too_large`. @default 1_000_000 */
  maxPayloadBytes: number
  /** Changes in one push; more is refused `too_large` as a whole. @default 100 */
  maxChangesPerPush: number
  /** Ops in one change; more refuses that change `too_large`. @default 1000 */
  maxOpsPerChange: number
  /** Segments in an op's path. @default 32 */
  maxPathDepth: number
  /** Nesting of an op's value (objects and arrays). @default 32 */
  maxValueDepth: number
  /** Length of a room name, client id or change id. @default 200 */
  maxIdLength: number
  /** Messages (join, push, catchUp, leave) per second per socket, with bursts of twice that. @default 100 */
  messagesPerSecond: number
  /** Pushed changes per second per socket, with bursts of twice that. @default 1000 */
  changesPerSecond: number
  /**
   * Refused messages a socket may send in a burst (refilling one per second)
   * before it is sent `goodbye` and disconnected. @default 20
   */
  maxViolations: number
  /** Rooms one socket may be in at once; a further join is refused `too_large`. @default 100 */
  maxRoomsPerSocket: number
  /** Most changes a join or catch-up returns; further behind gets a snapshot. @default 1000 */
  maxCatchUp: number
  /** How far a change's timestamp may run ahead of the relay's clock. @default 600_000 */
  maxClockAheadMs: number
  /** Bytes of one presence value's JSON form; bigger is refused `too_large`. @default 4096 */
  maxPresenceBytes: number
  /**
   * Presence sets (heartbeats included) per second per socket, with bursts of
   * twice that; more is refused `rate_limited`. @default 10
   */
  presencePerSecond: number
}

/** One structured log event; the CLI prints each as a JSON line. */
export interface RelayLogEntry {
  level: 'debug' | 'info' | 'warn' | 'error'
  msg: string
  [field: string]: unknown
}

/** Options of `createRelay`. */
export interface RelayOptions<P = unknown> {
  /** Where rooms' logs and snapshots live. @default createMemoryStore() */
  store?: RelayStore
  /** Close `store` when the relay closes. @default true */
  closeStore?: boolean
  /**
   * An http server to attach to (its other routes keep working). Without one,
   * the relay creates a server that answers `GET /healthz` and 404s the rest;
   * call `listen()`.
   */
  httpServer?: HttpServer
  /**
   * Decides who a connecting socket is. Resolve a principal (any value) or
   * throw to refuse the connection (`connect_error` on the client).
   * `jwtAuth()` builds one. @default everyone is let in with principal `undefined`
   */
  authenticate?: (handshake: RelayHandshake) => P | Promise<P>
  /**
   * Whether a principal may read (join, catch up) or write (push) a room.
   * @default `roomsClaimAllows`: everything when there is no principal,
   * otherwise the principal's `rooms` / `readRooms` claims
   */
  authorize?: (principal: P, room: string, access: RoomAccess) => boolean | Promise<boolean>
  /**
   * Who a principal's change ids belong to. A client id belongs to the first
   * principal that pushed a change under it in a room, durably (the store
   * keeps it); a join or push under it by another principal is refused
   * `forbidden`, so nobody can write under, replay or suppress another user's
   * ids. Return `undefined` for a principal whose ids are not bound.
   * @default the principal's `sub` claim when it is a string (what `jwtAuth` verifies)
   */
  principalId?: (principal: P) => string | undefined
  /**
   * The Standard Schema a room's whole state must satisfy after a change; a
   * change that breaks it is refused `schema`. Called once per room.
   */
  schema?: (room: string) => AnySchema | undefined
  /**
   * The schema version of a room's data (`major.minor` or a number). A join
   * with another major is refused `skew`. @default no check
   */
  schemaVersion?: string | number | ((room: string) => string | number | undefined)
  /**
   * The Standard Schema a presence value must satisfy in a room; a value it
   * refuses is answered `schema` with the issues. Called once per room.
   * @default any JSON value (within `limits.maxPresenceBytes`)
   */
  presenceSchema?: (room: string) => AnySchema | undefined
  /**
   * How long a presence entry lives without a heartbeat (clients re-send
   * theirs every third of it). Entries of a relay node that died disappear
   * after it. @default 30_000
   */
  presenceTtlMs?: number
  /** Overrides of the default limits. */
  limits?: Partial<RelayLimits>
  /** Write a snapshot and compact the log every this many changes of a room. @default 1000 */
  compactEvery?: number
  /** Changes kept in the log behind a snapshot, so clients a little behind still get changes. @default 200 */
  keepTail?: number
  /**
   * The Socket.IO adapter, e.g. `redisFanout(…).adapter`, so several relay
   * nodes broadcast to each other's sockets. @default Socket.IO's in-memory adapter
   */
  adapter?: ServerOptions['adapter']
  /** `cors` of the Socket.IO server. @default no cross-origin access */
  cors?: { origin: string | string[] | boolean; credentials?: boolean }
  /** Structured log events. @default silent */
  log?: (entry: RelayLogEntry) => void
  /** Wall clock for timestamps' "too far ahead" check; inject in tests. @default Date.now */
  now?: () => number
}

/** `GET /healthz` and `relay.health()`. */
export interface RelayHealth {
  ok: boolean
  rooms: number
  sockets: number
  store: boolean
}

/** Why the relay refuses, plus its own goodbyes. */
export type GoodbyeReason = RejectReason | 'shutdown'

/** A running relay. */
export interface Relay {
  io: Server<ClientToServerEvents, ServerToClientEvents>
  httpServer: HttpServer
  /** Listens on `port` (0 picks a free one) and resolves the bound port. */
  listen(port?: number, host?: string): Promise<number>
  health(): Promise<RelayHealth>
  /**
   * Stops accepting, lets queued pushes finish, says `goodbye('shutdown')` to
   * every socket, closes them, the http server and (by default) the store.
   */
  close(): Promise<void>
}
