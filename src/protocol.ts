import type { PatchIssue, PatchOp } from './types'

/**
 * The Socket.IO wire protocol between `sync` clients and the relay, typed on
 * both ends (`Server<ClientToServerEvents, ServerToClientEvents>` and
 * `Socket<ServerToClientEvents, ClientToServerEvents>`). Every inbound message
 * is validated at runtime on both ends too: types do not cross the network.
 */

/** Bumped on incompatible wire changes. */
export const PROTOCOL_VERSION = 1

/**
 * Origin prefix of the relay's server-side writers (`relay.write`): their
 * changes carry `server:<name>`, and a client id of `server` or starting with
 * it is refused on join, so no client can write under, or shadow, their ids.
 */
export const SERVER_ORIGIN_PREFIX = 'server:'

/**
 * Why the relay refused a change or a request: the one list of refusal
 * reasons, shared by the relay, the sync client and `patchRejected`.
 *
 * - `id_conflict`: the change id is already in the room's log with other
 *   content (a digest of its timestamp and ops differs), so the change is
 *   not applied and not claimed as applied either.
 * - `unknown`: the id is older than what the room's log still holds for its
 *   client (compacted away), so the relay can no longer tell whether it
 *   applied or refused it; the room's state (a snapshot) says what holds.
 */
export type RejectReason = (typeof REJECT_REASONS)[number]

/**
 * Every {@link RejectReason}, as a value: what the relay's metrics label
 * refusals with, so a reason added here is counted without another list.
 */
export const REJECT_REASONS = [
  'schema',
  'stale',
  'forbidden',
  'too_large',
  'rate_limited',
  'skew',
  'bad_request',
  'unavailable',
  'id_conflict',
  'unknown',
] as const

/** A change as a client pushes it. */
export interface WireChange {
  /**
   * `<clientId>:<counter>`, unique per client: never reused for other
   * content. The relay applies each id once and answers a re-send of the same
   * content with its original sequence.
   */
  id: string
  /**
   * Hybrid logical clock timestamp in its string form. Wall time 0 marks a
   * seed (a fresh client's start state): it writes only paths the room holds
   * nothing at, and its other ops are dropped as stale.
   */
  ts: string
  ops: PatchOp[]
}

/** A change as the relay broadcasts it: the ops it actually applied, in room order. */
export interface RelayChange {
  room: string
  seq: number
  id: string
  origin: string
  ts: string
  ops: PatchOp[]
}

/**
 * Changes as the relay sends them to a socket that joined with
 * `frames: true`: the changes one push (or one settle step of the room)
 * added, with contiguous sequences in room order, each as a `change` event
 * would carry it.
 */
export interface RelayChanges {
  room: string
  changes: RelayChange[]
}

export interface JoinRequest {
  room: string
  /** The last sequence this client has applied; omitted on a first join. */
  since?: number
  /** The app's schema version, `major.minor` or a number; another major is refused with `skew`. */
  schemaVersion: string | number
  clientId: string
  /**
   * `false`: this socket applies its own accepted changes from the push
   * answers (each carries the sequence and, when the relay kept only some
   * ops, the ops it applied), so the relay does not send them back as
   * `change` events. Omitted or `true` (clients that predate it, or a
   * connection several tabs share): every change of the room is sent.
   */
  echo?: boolean
  /**
   * `true`: this socket reads `changes` frames, so the relay sends the
   * changes it accepts from one push as one frame rather than one `change`
   * event each. Omitted (clients that predate it, raw sockets): one `change`
   * event per change, as before.
   */
  frames?: boolean
}

/**
 * What the room holds of the joining client id: the greatest counter of its
 * change ids that the relay applied. A client that restarted without its
 * counter continues after it, so it never reuses an id.
 */
export interface JoinedClient {
  id: string
  counter: number
}

/**
 * What one push may carry on this relay, told on join: a client sends
 * everything it queued while a push was in flight in one push of up to
 * `maxChangesPerPush` changes, rather than one push per change.
 */
export interface PushLimits {
  maxChangesPerPush: number
  maxPayloadBytes: number
}

export type JoinAck =
  | {
      ok: true
      room: string
      seq: number
      changes: RelayChange[]
      client?: JoinedClient
      limits?: PushLimits
    }
  | {
      ok: true
      room: string
      seq: number
      snapshot: Record<string, unknown>
      changes: RelayChange[]
      client?: JoinedClient
      limits?: PushLimits
    }
  | { ok: false; reason: RejectReason; message: string }

export interface PushRequest {
  room: string
  changes: WireChange[]
}

/**
 * The verdict on one pushed change. Accepted: its sequence, and when the
 * relay dropped `dropped` of its ops as stale, the `ops` it applied (without
 * `dropped`, the ops applied are the ops pushed). A client that joined with
 * `echo: false` applies its own change from this answer.
 */
export type PushResult =
  | { id: string; seq: number; ops?: PatchOp[]; dropped?: number }
  | { id: string; reason: RejectReason; message?: string; issues?: PatchIssue[] }

export type PushAck =
  | { ok: true; results: PushResult[] }
  | { ok: false; reason: RejectReason; message: string }

export interface CatchUpRequest {
  room: string
  /** Changes with `seq > since` … */
  since: number
  /** … up to and including `until`, when given. */
  until?: number
}

export type CatchUpAck = JoinAck

/**
 * Sets (or, with `value: null`, clears) the sender's own presence in a room
 * it joined: ephemeral, never in the log, snapshot or persisted state.
 */
export interface PresenceSetRequest {
  room: string
  /** Any JSON value the room's presence schema accepts; `null` removes the entry. */
  value: unknown
}

/**
 * The relay's answer to `presence:set`: the entry's id (the connection's own),
 * how long it lives without a heartbeat, and how many sets per second the
 * relay takes from one socket (the client spaces its sends by that).
 */
export type PresenceSetAck =
  | { ok: true; id: string; ttlMs: number; perSecond: number }
  | { ok: false; reason: RejectReason; message: string; issues?: PatchIssue[] }

/** One connection's presence in a room. */
export interface PresenceEntry {
  /** The connection's id, assigned by the relay: nobody can set another's entry. */
  id: string
  /** The client id the connection joined the room with. */
  clientId: string
  /** The authenticated principal's id, when the relay binds ids to principals. */
  user?: string
  value: unknown
  /** Grows with every set of this entry: a receiver keeps the newest it saw. */
  rev: number
}

/**
 * A presence event of one room: the map as the relay sees it right after a
 * join (`snapshot`), then each entry's `join`, `update` (also every
 * heartbeat) and `leave`. An entry not refreshed within `ttlMs` is gone
 * (its connection's relay node died).
 */
export type PresenceEvent =
  | { room: string; type: 'snapshot'; ttlMs: number; entries: PresenceEntry[] }
  | { room: string; type: 'join' | 'update'; ttlMs: number; entry: PresenceEntry }
  | { room: string; type: 'leave'; id: string }

/** Events the client sends (each with an ack callback). */
export interface ClientToServerEvents {
  join: (req: JoinRequest, ack: (res: JoinAck) => void) => void
  leave: (req: { room: string }, ack: (res: { ok: boolean }) => void) => void
  push: (req: PushRequest, ack: (res: PushAck) => void) => void
  catchUp: (req: CatchUpRequest, ack: (res: CatchUpAck) => void) => void
  'presence:set': (req: PresenceSetRequest, ack: (res: PresenceSetAck) => void) => void
}

/** Events the relay sends. */
export interface ServerToClientEvents {
  change: (change: RelayChange) => void
  /** Sent instead of `change` to sockets that joined with `frames: true`. */
  changes: (frame: RelayChanges) => void
  presence: (event: PresenceEvent) => void
  /** Sent before the relay disconnects a socket on purpose (limits, auth expiry, shutdown). */
  goodbye: (info: { reason: RejectReason | 'shutdown'; message: string }) => void
}
