/**
 * The package entry: the `applyPatch` sink, the persist, sync and stream middlewares, the status
 * slice and its selectors, errors, the clock and the wire protocol types. `patchwire/middleware`
 * and `patchwire/slices` export subsets of it.
 *
 * @module patchwire
 */
// The package entry, by explicit name from the files that define each export:
// the core, the middlewares (also patchwire/middleware) and the status slice
// (also patchwire/slices). Everything else is internal.

export type { UndoHistory, UndoHistoryOptions } from '../middleware/history/types'
export { undoHistory } from '../middleware/history/undoHistory'
export type { PatchwireMiddlewareOptions } from '../middleware/patchwireMiddleware'
export { patchwireMiddleware } from '../middleware/patchwireMiddleware'
export type { PersistInstance } from '../middleware/persist/persist'
export { persist } from '../middleware/persist/persist'
export type { MemoryStorage } from '../middleware/persist/storages/memoryStorage'
export { createMemoryStorage } from '../middleware/persist/storages/memoryStorage'
export { createWebStorage } from '../middleware/persist/storages/webStorage'
export type {
  PersistLoadResult,
  PersistMigration,
  PersistOptions,
  PersistStorage,
  ReduxPersistImportOptions,
} from '../middleware/persist/types'
export {
  streamError,
  streamStart,
  streamStarted,
  streamStop,
  streamStopped,
} from '../middleware/stream/actions'
export type { PollFetch, PollHalt, PollOptions, PollPage } from '../middleware/stream/pollTypes'
export type { StreamInstance } from '../middleware/stream/stream'
export { stream } from '../middleware/stream/stream'
export type {
  CacheEntryLifecycle,
  StreamIntoCacheOptions,
} from '../middleware/stream/streamIntoCache'
export { streamIntoCache } from '../middleware/stream/streamIntoCache'
export type {
  BackoffOptions,
  EventSourceLike,
  PatchChunk,
  ReplaceChunk,
  StreamChangeInput,
  StreamChunk,
  StreamErrorInfo,
  StreamFormat,
  StreamOptions,
  StreamSource,
  StreamSourceFactory,
  StreamWorkerLike,
} from '../middleware/stream/types'
export type {
  ConfirmedAction,
  ConfirmedChange,
  ConfirmedOptions,
  ConfirmedResult,
} from '../middleware/sync/guarantees/confirmed'
export { confirmed } from '../middleware/sync/guarantees/confirmed'
export { sync } from '../middleware/sync/sync'
export type {
  ConnectionLost,
  PeerChange,
  PeerMessage,
  PeerTransport,
  RelaySocket,
  RenderedRoom,
  SyncInstance,
  SyncMode,
  SyncOptions,
  SyncStatusReport,
  TabLocks,
} from '../middleware/sync/types'
export type {
  ConnectionState,
  HistoryStatus,
  PatchwireCounters,
  PatchwireStatusState,
  PersistStatus,
  RejectionRecord,
  StreamStatus,
  SyncStatus,
} from '../slices/patchwireSlice'
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
} from '../slices/patchwireSlice'
export { selectIsPending } from '../slices/pendingSelectors'
export type { PollPhase, PollStatus } from '../slices/pollStatus'
export type { PresencePeer, PresenceStatus } from '../slices/presenceStatus'
export { selectPresence } from '../slices/presenceStatus'
export { withPatchwire } from '../slices/withPatchwire'
export type {
  ApplyPatchAction,
  ApplyPatchMeta,
  ApplyPatchPayload,
  PatchRejectedAction,
  PatchRejectedPayload,
  RejectionReason,
} from './actions'
export { applyPatch, patchRejected } from './actions'
export { applyOps } from './applyOps'
export type { PatchwireDevToolsOptions } from './devtools'
export { patchwireDevTools, sanitizePatchAction } from './devtools'
export { diffState } from './diff'
export type { AnyPatchwireError, PatchwireErrorCode, PatchwireErrorDetails } from './errors'
export { isPatchwireError, PatchwireError } from './errors'
export type { HistoryResult } from './historyActions'
export { redo, undo } from './historyActions'
export type { Hlc, HlcOptions, HybridLogicalClock } from './hlc'
export { compareHlc, createHlc, formatHlc, parseHlc } from './hlc'
export { formatPointer, parsePointer } from './pointer'
export { setPresence } from './presenceActions'
export type {
  CatchUpAck,
  CatchUpRequest,
  ClientToServerEvents,
  JoinAck,
  JoinedClient,
  JoinRequest,
  PresenceEntry,
  PresenceEvent,
  PresenceSetAck,
  PresenceSetRequest,
  PushAck,
  PushLimits,
  PushRequest,
  PushResult,
  RejectReason,
  RelayChange,
  RelayChanges,
  ServerToClientEvents,
  WireChange,
} from './protocol'
export type { AnySchema } from './schemaGate'
export type {
  Change,
  ChangeInput,
  ChangeSource,
  JsonValue,
  PatchIssue,
  PatchOp,
  PatchOpInput,
  PatchOpKind,
  Path,
  PathSegment,
} from './types'
export type { WithPatchwireOptions } from './withPatchwire'
export { PATCHWIRE_KEY } from './withPatchwire'
