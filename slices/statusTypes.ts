import type { PatchwireError } from '../src/errors'
import type { RejectReason } from '../src/protocol'
import type { ChangeSource, PatchIssue } from '../src/types'
import type { PollStatus } from './pollStatus'
import type { PresenceStatus } from './presenceStatus'

// The status slice's state, apart from its reducer: the status action creators
// (statusActions.ts) and the middlewares that dispatch them need the types
// without pulling in the slice itself.

/** Connection state of a sync transport. */
export type ConnectionState = 'idle' | 'connecting' | 'live' | 'offline'

/** Status of one sync transport (one room). */
export interface SyncStatus {
  connection: ConnectionState
  /** Last relay sequence applied. */
  lastSeq: number
  /** Local changes not yet acknowledged by the relay. */
  pending: number
  /** ms between a relay change's timestamp and its arrival, last seen. */
  lagMs: number | null
  lastError: string | null
  /** JSON Pointers the pending changes write (see `selectIsPending`); absent until sync reports them. */
  pendingPaths?: string[]
  /** True once the room has been live at least once since the store started; it stays true offline. */
  joinedOnce?: boolean
  /** Why the relay refused the last join; `null` again once a join is accepted. */
  joinRefusal?: { reason: RejectReason; message: string } | null
}

/** Hydration state of one persisted key. */
export interface PersistStatus {
  state: 'hydrating' | 'ready' | 'error'
  lastError: string | null
  /** Wall-clock ms of the last successful write. */
  lastSavedAt: number | null
  /** True when the key refuses writes (a load failed: stored data is kept untouched). */
  readOnly: boolean
  /**
   * The error the last load failed with (the one `onLoad` reported), as plain
   * data (`PatchwireError#toJSON`); `null` again once a load succeeds or
   * `unlock()` returns the key to ready.
   */
  loadError?: ReturnType<PatchwireError['toJSON']> | null
}

/** Status of one stream. */
export interface StreamStatus {
  state: 'connecting' | 'live' | 'retrying' | 'stopped'
  cursor: string | null
  /**
   * Chunks this stream handed to the store since it started, in batches: the
   * ones the sink refused count too (each is also a `patchRejected`, and
   * `counters.rejected` counts it); `counters.applied` counts applied changes.
   */
  chunksApplied: number
  lastError: string | null
  /** Wall-clock ms of the next reconnect attempt while retrying. */
  nextRetryAt: number | null
  /** The poll state machine and its figures, for streams in poll mode only. */
  poll?: PollStatus
}

/** Counters over every source. */
export interface PatchwireCounters {
  applied: number
  ignoredStale: number
  gaps: number
  rejected: number
  parseErrors: number
  refetches: number
  schemaSkews: number
}

/** One entry of the recent-rejections ring. */
export interface RejectionRecord {
  source: ChangeSource
  reason: string
  issues: PatchIssue[]
  id?: string
  seq?: number
  opCount: number
  at?: number
}

/** The state of the `patchwire` status slice. */
export interface PatchwireStatusState {
  counters: PatchwireCounters
  recentRejections: RejectionRecord[]
  sync: Record<string, SyncStatus>
  persist: Record<string, PersistStatus>
  streams: Record<string, StreamStatus>
  /** Per synced room, who is there (ephemeral: persist never stores the status slice). */
  presence: Record<string, PresenceStatus>
  /** The `undoHistory` middleware's stacks, once it reported (absent without it). */
  history?: HistoryStatus
}

/**
 * Whether this client can undo and redo its own changes. Booleans, not
 * depths, so a new step in a long session dispatches no status action
 * (`history.depth()` gives the depths).
 */
export interface HistoryStatus {
  /** True when `undo()` has a step to undo. */
  canUndo: boolean
  /** True when `redo()` has a step to redo. */
  canRedo: boolean
  /** Paths that undo or redo left alone, in total, because someone else had written them since. */
  skipped: number
}
