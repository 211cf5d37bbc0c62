import type { RejectReason, RelayChange } from '../../src/protocol'
import type { RoomVersionInfo } from '../store/types'

/** A room as a join would see it: its state after every change up to `seq`. */
export interface RoomState {
  seq: number
  state: Record<string, unknown>
}

/** Options of `relay.write`. */
export interface ServerWriteOptions {
  /**
   * The name of the server-side writer (`'billing'`, `'admin'`). Its changes
   * carry the origin `server:<origin>`, which no client can join under.
   */
  origin: string
  /**
   * When the change happened, in wall ms (an event's own time, say), for
   * last-writer-wins against the room's other writes: a change older than the
   * last write to a path is dropped there as `stale`, exactly as a client's.
   * @defaultValue now, on a clock that is ahead of every change the relay accepted
   */
  at?: number
}

/**
 * One item of a room's change feed (`relay.changes`, `relay.onChange`): an
 * accepted change with its sequence, or, when the log no longer reaches back
 * to where the feed resumed (compacted), the room's state at `seq` to start
 * over from. Items of one room come in sequence order.
 */
export type RoomFeedItem =
  | ({ type: 'change' } & RelayChange)
  | { type: 'snapshot'; room: string; seq: number; state: Record<string, unknown> }

/** Options of `relay.changes`. */
export interface RoomChangesOptions {
  room: string
  /**
   * The last sequence the consumer has; the feed starts after it, reading the
   * store's log, then follows live. @defaultValue the room's sequence now (live only)
   */
  since?: number
  /**
   * How often the feed looks at the store when nothing woke it: a backstop for a
   * change note lost between relay nodes, and the retry pace after a store error.
   * @defaultValue 1000
   */
  pollMs?: number
  /** Ends the feed (the iterator returns). */
  signal?: AbortSignal
}

/** Options of `relay.onChange`. */
export interface OnChangeOptions {
  /** Only this room's changes. @defaultValue every room */
  room?: string
}

/** Receives feed items, in sequence order per room; the next item of a room waits for a returned promise. */
export type RoomChangeListener = (item: RoomFeedItem) => void | Promise<void>

/** Whether a request's credentials may access a room (`relay.admit`). */
export type RelayAdmission =
  | { ok: true; principal: unknown }
  /** `unauthenticated`: `authenticate` refused the credentials; `forbidden`: `authorize` refused the room. */
  | { ok: false; reason: 'unauthenticated' | 'forbidden'; message: string }

/** Why `relay.snapshotVersion` or `relay.restoreVersion` did nothing. */
export type RoomVersionRefusal =
  /** The room has never been written: nothing to take or restore. */
  | { ok: false; reason: 'unknown_room'; message: string }
  /** The room holds no version with that id (never taken, or dropped by retention). */
  | { ok: false; reason: 'unknown_version'; message: string }
  /** The room refused the restoring change (its schema, a limit, the store): the verdict's reason. */
  | { ok: false; reason: RejectReason; message: string }

/** What `relay.snapshotVersion` resolves. */
export type SnapshotVersionResult = { ok: true; version: RoomVersionInfo } | RoomVersionRefusal

/** What `relay.restoreVersion` resolves. */
export type RestoreVersionResult =
  | {
      ok: true
      /** The sequence of the restoring change; the room's sequence when it already held the version's state. */
      seq: number
      /** The version taken right before the restore: restoring it undoes the restore. */
      before: RoomVersionInfo
    }
  | RoomVersionRefusal
