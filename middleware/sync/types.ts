import type { Middleware } from '@reduxjs/toolkit'
import type { Socket } from 'socket.io-client'
import type { SyncStatus } from '../../slices/patchwireSlice'
import type { PatchRejectedPayload } from '../../src/actions'
import type { ClientToServerEvents, ServerToClientEvents } from '../../src/protocol'
import type { ChangeSource, PatchOp } from '../../src/types'

/** A socket.io-client socket speaking patchwire's wire protocol. */
export type RelaySocket = Socket<ServerToClientEvents, ClientToServerEvents>

/** How a sync middleware runs. */
export type SyncMode = 'primary' | 'readOnly' | 'peer'

/** A change as peers exchange it (peer mode): the relay-less form of a pushed change. */
export interface PeerChange {
  id: string
  ts: string
  origin: string
  ops: PatchOp[]
}

/** What peers send each other. */
export type PeerMessage = { type: 'change'; room: string; change: PeerChange }

/**
 * A message bus between peers (tabs of one browser). `createBroadcastChannelTransport`
 * is the built-in one; tests wrap it to delay, duplicate or reorder messages.
 */
export interface PeerTransport {
  send(message: PeerMessage): void
  /** Registers the receiver; returns the function that unregisters it. */
  subscribe(receive: (message: unknown) => void): () => void
  close(): void
}

/** The status a sync middleware reports, per room. */
export type SyncStatusReport = { room: string } & SyncStatus

/** Why the connection dropped. */
export interface ConnectionLost {
  room: string
  /** socket.io-client's disconnect reason, or the relay's `goodbye` reason. */
  reason: string
}

/**
 * A room as a server render read it (`relay.read(room)` in the relay's process,
 * or `GET /rooms/:room/snapshot`): its state after every change up to `seq`.
 * Given to `sync` as `rendered`, the client starts from it instead of fetching it again.
 *
 * @example
 * ```ts
 * // server: const { seq, state } = await relay.read('team-1'); embed { state, seq } in the page
 * const { state, seq } = window.__HANDOFF__
 * const store = configureStore({
 *   reducer,
 *   preloadedState: state,
 *   middleware: (gDM) =>
 *     gDM().concat(patchwireMiddleware(), sync({ url, room: 'team-1', allowKeys: ['todos'], rendered: { seq } })),
 * })
 * ```
 */
export interface RenderedRoom {
  /** The room's sequence when the page was rendered. */
  seq: number
  /**
   * The room's state at `seq`. Leave it out when the store's preloaded state
   * already holds it under the synced keys (it then is not embedded twice).
   * @defaultValue the synced keys of the store's state when it was created
   */
  state?: Record<string, unknown>
}

/** Options of `sync`. */
export interface SyncOptions {
  /** The room to join; in peer mode, the channel name. Required. */
  room: string
  /**
   * Top-level keys or dotted paths (`'settings.theme'`) of the state that sync;
   * everything else stays local. Required, non-empty.
   */
  allowKeys: readonly string[]
  /**
   * A socket.io-client socket connected (or connecting) to the relay. Its own
   * reconnection carries the connection; sync re-joins on every connect.
   * Give either `socket` or `url` unless `mode` is `'peer'`.
   */
  socket?: RelaySocket
  /** The relay's URL: sync creates the socket (with socket.io-client's reconnection) and closes it on `stop()`. */
  url?: string
  /** The handshake `auth` for a socket created from `url` (a JWT: `{ token }`). */
  auth?: Record<string, unknown>
  /** The app's schema version, `major.minor` or a number; a relay on another major refuses the join. @defaultValue 1 */
  schemaVersion?: string | number
  /**
   * `'primary'` pushes local changes and applies the relay's; `'readOnly'` only
   * applies the relay's (local edits to synced keys stay local); `'peer'` syncs
   * tabs over a `BroadcastChannel` without a relay, last writer wins per path.
   * @defaultValue 'primary'
   */
  mode?: SyncMode
  /**
   * This client's id (no `-`), used in change ids and timestamps.
   * @defaultValue a random id, kept across reloads when persist is installed
   */
  clientId?: string
  /**
   * Server-side rendering hand-off: the room as the page was rendered from it.
   * The client takes it as the relay-confirmed state at `seq` and joins with
   * `since: seq`, so the relay sends only the changes made after the render
   * (each once) and no snapshot. A persisted copy of the room that is newer
   * (a higher sequence) wins over it; the persisted outbox and id counter are
   * kept either way. A `seq` of 0 (an empty room) starts as without it.
   * Not for `mode: 'peer'`.
   * @defaultValue undefined (the first join fetches the room)
   */
  rendered?: RenderedRoom
  /** Peer mode's bus. @defaultValue a BroadcastChannel named `patchwire:<room>` */
  transport?: PeerTransport
  /** Called for every local change the relay refused (after the rollback). */
  onPatchRejected?: (rejection: PatchRejectedPayload) => void
  /** Called when the connection to the relay drops. */
  onConnectionLost?: (info: ConnectionLost) => void
  /** Called with the status each time it is dispatched. */
  onStatus?: (status: SyncStatusReport) => void
  /**
   * Local changes made within this many ms go to the relay in one `push`
   * (each keeps its own id and timestamp). `0` coalesces one microtask.
   * @defaultValue 0
   */
  batchMs?: number
  /** Status updates other than connection changes are coalesced over this many ms. @defaultValue 50 */
  statusThrottleMs?: number
  /**
   * Sources of `applyPatch` changes whose writes to synced keys are pushed, like
   * plain actions; decided per change, so a batch mixing sources pushes only
   * its changes from these. `'sync'` is never pushed (no echo); add `'stream'`
   * to share streamed data through the room.
   * @defaultValue ['local', 'devtools']
   */
  pushSources?: readonly ChangeSource[]
  /** Where the status slice is mounted. @defaultValue 'patchwire' */
  statusKey?: string
  /** Wall clock for timestamps and lag. @defaultValue Date.now */
  now?: () => number
  /**
   * A local change the relay has not acknowledged after this many ms of
   * connected time is rolled back (`patchRejected` with reason `'timeout'`).
   * Time offline does not count: the outbox waits for the reconnect.
   * @defaultValue undefined (changes wait for the relay however long it takes)
   */
  pendingTimeoutMs?: number
  /**
   * While offline, a pending change older than this (ms since it was made) is
   * rolled back (`patchRejected` with reason `'offline'`).
   * @defaultValue undefined (the outbox keeps changes until the reconnect)
   */
  offlineExpiryMs?: number
  /**
   * One relay connection per browser instead of one per tab: tabs of an
   * origin elect a leader per relay and room (Web Locks, else BroadcastChannel
   * heartbeats) that holds the socket and relays for the others over a
   * BroadcastChannel. Needs `url` (sync opens the socket in the leader tab).
   * Opt-in: it adds a hop between follower tabs and the relay, and needs every
   * tab of the origin to run the same room with compatible code.
   * @defaultValue false
   */
  shareConnection?: boolean
  /**
   * Locks between tabs of one origin: the leader election of `shareConnection`,
   * and the claim each tab holds on its sync identity, so two tabs that restore
   * the same saved identity never write under one client id (the second takes a
   * new one). Tests inject one.
   * @defaultValue navigator.locks; for shareConnection without it, BroadcastChannel leases; identity claims need Web Locks or this option
   */
  tabLocks?: TabLocks
  /** Called when this tab starts or stops holding the shared connection. */
  onLeadership?: (leader: boolean) => void
}

/** What `sync()` returns: the middleware to install and the control that ends the session. */
export interface SyncInstance {
  /** Install it once, in one store: `middleware: (gDM) => gDM().concat(team.middleware)`. */
  readonly middleware: Middleware
  /** Detaches from the socket (closing it if sync created it) or the peer channel; idempotent. */
  stop(): void
}

/**
 * An exclusive lock between tabs: the Web Locks API's `navigator.locks` fits
 * as is. `request` runs `hold` once the lock is granted and keeps the lock
 * until the promise `hold` returns settles (or the tab goes away).
 */
export interface TabLocks {
  request(
    name: string,
    options: { mode: 'exclusive'; signal?: AbortSignal },
    hold: () => Promise<unknown>,
  ): Promise<unknown>
}
