import { type Action, createSlice, type PayloadAction } from '@reduxjs/toolkit'
import { applyPatch, PATCHWIRE_PREFIX, patchRejected } from '../src/actions'
import type { PatchwireError } from '../src/errors'
import type { RejectReason } from '../src/protocol'
import type { ChangeSource, PatchIssue } from '../src/types'
import { PATCHWIRE_KEY, readSinkOutcome } from '../src/withPatchwire'
import type { PollStatus } from './pollStatus'
import type { PresenceStatus } from './presenceStatus'

/** How many recent rejections the slice keeps for the debugger. */
export const REJECTION_RING_SIZE = 50

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
   * data (`PatchwireError#toJSON`); `null` again once a load succeeds.
   */
  loadError?: ReturnType<PatchwireError['toJSON']> | null
}

/** Status of one stream. */
export interface StreamStatus {
  state: 'connecting' | 'live' | 'retrying' | 'stopped'
  cursor: string | null
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

const initialState: PatchwireStatusState = {
  counters: {
    applied: 0,
    ignoredStale: 0,
    gaps: 0,
    rejected: 0,
    parseErrors: 0,
    refetches: 0,
    schemaSkews: 0,
  },
  recentRejections: [],
  sync: {},
  persist: {},
  streams: {},
  presence: {},
}

const MAX_ISSUES_KEPT = 10

function pushRejection(state: PatchwireStatusState, record: RejectionRecord): void {
  state.counters.rejected++
  state.recentRejections.push({ ...record, issues: record.issues.slice(0, MAX_ISSUES_KEPT) })
  if (state.recentRejections.length > REJECTION_RING_SIZE) state.recentRejections.shift()
}

const defaultSync: SyncStatus = {
  connection: 'idle',
  lastSeq: 0,
  pending: 0,
  lagMs: null,
  lastError: null,
}
const defaultPersist: PersistStatus = {
  state: 'hydrating',
  lastError: null,
  lastSavedAt: null,
  readOnly: false,
}
const defaultStream: StreamStatus = {
  state: 'connecting',
  cursor: null,
  chunksApplied: 0,
  lastError: null,
  nextRetryAt: null,
}

/**
 * patchwire's status slice, mounted under `patchwire` (`PATCHWIRE_KEY`):
 * counters, recent rejections, and per transport, persisted key and stream status.
 *
 * @example
 * ```ts
 * configureStore({ reducer: withPatchwire({ todos, [PATCHWIRE_KEY]: patchwireReducer }) })
 * ```
 */
export const patchwireSlice = createSlice({
  name: PATCHWIRE_PREFIX,
  reducerPath: PATCHWIRE_KEY,
  initialState,
  reducers: {
    /** Merges status fields of a sync transport, keyed by room. */
    syncStatusChanged(state, action: PayloadAction<{ room: string } & Partial<SyncStatus>>) {
      const { room, ...fields } = action.payload
      state.sync[room] = { ...defaultSync, ...state.sync[room], ...fields }
    },
    /** Merges status fields of a persisted key. */
    persistStatusChanged(state, action: PayloadAction<{ key: string } & Partial<PersistStatus>>) {
      const { key, ...fields } = action.payload
      state.persist[key] = { ...defaultPersist, ...state.persist[key], ...fields }
    },
    /** Merges status fields of a stream. */
    streamStatusChanged(state, action: PayloadAction<{ id: string } & Partial<StreamStatus>>) {
      const { id, ...fields } = action.payload
      state.streams[id] = { ...defaultStream, ...state.streams[id], ...fields }
    },
    /** Replaces the undo history's status (the `undoHistory` middleware reports it). */
    historyChanged(state, action: PayloadAction<HistoryStatus>) {
      state.history = action.payload
    },
    /** Replaces a room's presence as the sync middleware sees it. */
    presenceChanged(state, action: PayloadAction<{ room: string } & PresenceStatus>) {
      const { room, ...presence } = action.payload
      state.presence ??= {}
      state.presence[room] = presence
    },
    /** Adds to counters that transports observe (stale drops, gaps, parse errors, refetches, skews). */
    countersIncremented(
      state,
      action: PayloadAction<Partial<Omit<PatchwireCounters, 'applied' | 'rejected'>>>,
    ) {
      for (const [name, by] of Object.entries(action.payload)) {
        state.counters[name as keyof PatchwireCounters] += by ?? 0
      }
    },
  },
  extraReducers: (builder) => {
    builder
      .addCase(applyPatch, (state, action) => {
        const outcome = readSinkOutcome(action)
        if (!outcome) return
        state.counters.applied += outcome.applied
        for (const r of outcome.rejected) {
          const record: RejectionRecord = {
            source: r.change?.source ?? 'local',
            reason: r.reason,
            issues: r.issues,
            opCount: Array.isArray(r.change?.ops) ? r.change.ops.length : 0,
          }
          if (r.change?.id !== undefined) record.id = r.change.id
          if (r.change?.seq !== undefined) record.seq = r.change.seq
          if (action.meta.at !== undefined) record.at = action.meta.at
          pushRejection(state, record)
        }
      })
      .addCase(patchRejected, (state, { payload }) => {
        // Sink refusals were counted when the applyPatch was reduced.
        if (payload.stage === 'sink') return
        if (payload.reason === 'stale') state.counters.ignoredStale++
        const record: RejectionRecord = {
          source: payload.source,
          reason: payload.reason,
          issues: payload.issues,
          opCount: payload.change.ops.length,
        }
        if (payload.change.id !== undefined) record.id = payload.change.id
        if (payload.change.seq !== undefined) record.seq = payload.change.seq
        if (payload.at !== undefined) record.at = payload.at
        pushRejection(state, record)
      })
  },
  selectors: {
    selectCounters: (s) => s.counters,
    selectRecentRejections: (s) => s.recentRejections,
    selectSyncStatus: (s, room?: string) =>
      room === undefined ? Object.values(s.sync)[0] : s.sync[room],
    selectPersistStatus: (s, key?: string) =>
      key === undefined ? Object.values(s.persist)[0] : s.persist[key],
    selectStreamStatus: (s, id?: string) =>
      id === undefined ? Object.values(s.streams)[0] : s.streams[id],
    selectPendingCount: (s) => Object.values(s.sync).reduce((n, t) => n + t.pending, 0),
    selectIsHydrated: (s) => Object.values(s.persist).every((p) => p.state !== 'hydrating'),
  },
})

const sliceReducer = patchwireSlice.reducer

/** The status slice reducer; mount it under `PATCHWIRE_KEY`. */
export const patchwireReducer: typeof sliceReducer = (
  state: PatchwireStatusState | undefined,
  action: Action,
): PatchwireStatusState => {
  // Every applyPatch reaches this reducer. When the sink refused nothing, counting it is
  // one number: written directly, without an Immer draft on every dispatch.
  if (state !== undefined && applyPatch.match(action)) {
    const outcome = readSinkOutcome(action)
    if (outcome && outcome.rejected.length === 0) {
      if (outcome.applied === 0) return state
      const counters = { ...state.counters, applied: state.counters.applied + outcome.applied }
      return Object.freeze({ ...state, counters: Object.freeze(counters) })
    }
  }
  return sliceReducer(state, action)
}

export const {
  syncStatusChanged,
  persistStatusChanged,
  streamStatusChanged,
  countersIncremented,
  presenceChanged,
  historyChanged,
} = patchwireSlice.actions

export const {
  selectCounters,
  selectRecentRejections,
  selectSyncStatus,
  selectPersistStatus,
  selectStreamStatus,
  selectPendingCount,
  selectIsHydrated,
} = patchwireSlice.selectors
