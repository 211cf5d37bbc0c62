// patchwire/slices: the status slice's reducer, selectors and state types.

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
  patchwireReducer,
  REJECTION_RING_SIZE,
  selectCounters,
  selectIsHydrated,
  selectPendingCount,
  selectPersistStatus,
  selectRecentRejections,
  selectStreamStatus,
  selectSyncStatus,
} from './patchwireSlice'
export { selectIsPending } from './pendingSelectors'
export type { PollPhase, PollStatus } from './pollStatus'
export type { PresencePeer, PresenceStatus } from './presenceStatus'
export { selectPresence } from './presenceStatus'
