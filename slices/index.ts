export type {
  ConnectionState,
  HistoryStatus,
  PatchwireCounters,
  PatchwireStatusState,
  PersistStatus,
  RejectionRecord,
  StreamStatus,
  SyncStatus,
} from './patchwireSlice'
export {
  countersIncremented,
  patchwireReducer,
  patchwireSlice,
  persistStatusChanged,
  presenceChanged,
  REJECTION_RING_SIZE,
  selectCounters,
  selectIsHydrated,
  selectPendingCount,
  selectPersistStatus,
  selectRecentRejections,
  selectStreamStatus,
  selectSyncStatus,
  streamStatusChanged,
  syncStatusChanged,
} from './patchwireSlice'
export { selectIsPending } from './pendingSelectors'
export type { PollPhase, PollStatus } from './pollStatus'
export type { PresencePeer, PresenceStatus } from './presenceStatus'
export { selectPresence } from './presenceStatus'
