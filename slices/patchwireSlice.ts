import { type Action, createSlice } from '@reduxjs/toolkit'
import { applyPatch, PATCHWIRE_PREFIX, patchRejected } from '../src/actions'
import { PATCHWIRE_KEY, readSinkOutcome } from '../src/withPatchwire'
import {
  countersIncremented,
  historyChanged,
  persistStatusChanged,
  presenceChanged,
  streamStatusChanged,
  syncStatusChanged,
} from './statusActions'
import type {
  PatchwireCounters,
  PatchwireStatusState,
  PersistStatus,
  RejectionRecord,
  StreamStatus,
  SyncStatus,
} from './statusTypes'

export {
  countersIncremented,
  historyChanged,
  persistStatusChanged,
  presenceChanged,
  streamStatusChanged,
  syncStatusChanged,
} from './statusActions'
export type {
  ConnectionState,
  HistoryStatus,
  PatchwireCounters,
  PatchwireStatusState,
  PersistStatus,
  RejectionRecord,
  StreamStatus,
  SyncStatus,
} from './statusTypes'

/** How many recent rejections the slice keeps for the debugger. */
export const REJECTION_RING_SIZE = 50

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
  // The status actions are plain creators (statusActions.ts), so a middleware that
  // dispatches them does not pull this slice into an app's bundle.
  reducers: {},
  extraReducers: (builder) => {
    builder
      .addCase(syncStatusChanged, (state, action) => {
        const { room, ...fields } = action.payload
        state.sync[room] = { ...defaultSync, ...state.sync[room], ...fields }
      })
      .addCase(persistStatusChanged, (state, action) => {
        const { key, ...fields } = action.payload
        state.persist[key] = { ...defaultPersist, ...state.persist[key], ...fields }
      })
      .addCase(streamStatusChanged, (state, action) => {
        const { id, ...fields } = action.payload
        state.streams[id] = { ...defaultStream, ...state.streams[id], ...fields }
      })
      .addCase(historyChanged, (state, action) => {
        state.history = action.payload
      })
      .addCase(presenceChanged, (state, action) => {
        const { room, ...presence } = action.payload
        state.presence ??= {}
        state.presence[room] = presence
      })
      .addCase(countersIncremented, (state, action) => {
        for (const [name, by] of Object.entries(action.payload)) {
          state.counters[name as keyof PatchwireCounters] += by ?? 0
        }
      })
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
          if (action.meta?.at !== undefined) record.at = action.meta.at
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
  // A stream reports its cursor after every batch it applied, and a persisted key its
  // state on every load and write: with plain fields (no poll figures, no load error),
  // merging them is three frozen copies, the state Immer would make.
  if (state !== undefined && streamStatusChanged.match(action)) {
    const { id, ...fields } = action.payload
    if (fields.poll === undefined) return mergeEntry(state, 'streams', id, defaultStream, fields)
  }
  if (state !== undefined && persistStatusChanged.match(action)) {
    const { key, ...fields } = action.payload
    if (fields.loadError == null) return mergeEntry(state, 'persist', key, defaultPersist, fields)
  }
  return sliceReducer(state, action)
}

function mergeEntry<G extends 'streams' | 'persist'>(
  state: PatchwireStatusState,
  group: G,
  id: string,
  defaults: PatchwireStatusState[G][string],
  fields: Partial<PatchwireStatusState[G][string]>,
): PatchwireStatusState {
  const entry = Object.freeze({ ...defaults, ...state[group][id], ...fields })
  return Object.freeze({ ...state, [group]: Object.freeze({ ...state[group], [id]: entry }) })
}

export const {
  selectCounters,
  selectRecentRejections,
  selectSyncStatus,
  selectPersistStatus,
  selectStreamStatus,
  selectPendingCount,
  selectIsHydrated,
} = patchwireSlice.selectors
