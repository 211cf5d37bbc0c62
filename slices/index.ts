export type {
  ConnectionState,
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
