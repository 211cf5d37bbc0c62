import { createAction } from '@reduxjs/toolkit'
import { PATCHWIRE_PREFIX } from '../src/actions'
import type { PresenceStatus } from './presenceStatus'
import type {
  HistoryStatus,
  PatchwireCounters,
  PersistStatus,
  StreamStatus,
  SyncStatus,
} from './statusTypes'

// The status actions the middlewares dispatch, as plain creators apart from the
// slice that reduces them: `persist` or `stream` alone then costs an app no
// `createSlice` (its reducer, case table and selectors stay in the status entry).
// Each type is the one `createSlice` gave them (`patchwire/<name>`), so stored
// DevTools logs and `match` keep working. Pure-annotated so a bundler drops the
// creators an app does not reach.

/** Merges status fields of a sync transport, keyed by room. */
export const syncStatusChanged = /* @__PURE__ */ createAction<
  { room: string } & Partial<SyncStatus>
>(`${PATCHWIRE_PREFIX}/syncStatusChanged`)

/** Merges status fields of a persisted key. */
export const persistStatusChanged = /* @__PURE__ */ createAction<
  { key: string } & Partial<PersistStatus>
>(`${PATCHWIRE_PREFIX}/persistStatusChanged`)

/** Merges status fields of a stream. */
export const streamStatusChanged = /* @__PURE__ */ createAction<
  { id: string } & Partial<StreamStatus>
>(`${PATCHWIRE_PREFIX}/streamStatusChanged`)

/** Replaces the undo history's status (the `undoHistory` middleware reports it). */
export const historyChanged = /* @__PURE__ */ createAction<HistoryStatus>(
  `${PATCHWIRE_PREFIX}/historyChanged`,
)

/** Replaces a room's presence as the sync middleware sees it. */
export const presenceChanged = /* @__PURE__ */ createAction<{ room: string } & PresenceStatus>(
  `${PATCHWIRE_PREFIX}/presenceChanged`,
)

/** Adds to counters that transports observe (stale drops, gaps, parse errors, refetches, skews). */
export const countersIncremented = /* @__PURE__ */ createAction<
  Partial<Omit<PatchwireCounters, 'applied' | 'rejected'>>
>(`${PATCHWIRE_PREFIX}/countersIncremented`)
