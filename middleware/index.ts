export type { UndoHistory, UndoHistoryOptions } from './history/index'
export { undoHistory } from './history/index'
export type { PatchwireMiddlewareOptions } from './patchwireMiddleware'
export { patchwireMiddleware } from './patchwireMiddleware'
export type {
  EntryHeader,
  MemoryStorage,
  PersistDispatch,
  PersistFlushAction,
  PersistLoadResult,
  PersistManifest,
  PersistMiddleware,
  PersistMigration,
  PersistOptions,
  PersistStopAction,
  PersistStorage,
  PersistTarget,
  ReduxPersistImportOptions,
} from './persist/index'
export {
  createMemoryStorage,
  createPersistMiddleware,
  createWebStorage,
  persist,
  persistFlush,
  persistRetryLoad,
  persistStop,
  persistUnlock,
  readReduxPersist,
  runMigrations,
} from './persist/index'
export type {
  Backoff,
  BackoffOptions,
  CacheEntryLifecycle,
  EventSourceLike,
  PatchChunk,
  PollFetch,
  PollHalt,
  PollOptions,
  PollPage,
  ReplaceChunk,
  StreamChangeInput,
  StreamChunk,
  StreamErrorInfo,
  StreamEvent,
  StreamFormat,
  StreamIntoCacheOptions,
  StreamOptions,
  StreamSource,
  StreamSourceFactory,
  StreamWorkerLike,
} from './stream/index'
export {
  chunkToChanges,
  createBackoff,
  createStreamMiddleware,
  MAX_BACKOFF_MS,
  readEventSource,
  readNdjson,
  readSource,
  readSse,
  stream,
  streamError,
  streamIntoCache,
  streamStart,
  streamStarted,
  streamStop,
  streamStopped,
} from './stream/index'
export type {
  ConfirmedAction,
  ConfirmedChange,
  ConfirmedOptions,
  ConfirmedResult,
} from './sync/guarantees/confirmed'
export { confirmed } from './sync/guarantees/confirmed'
export type {
  ConfirmedModel,
  ConfirmedModelState,
  ConnectionLost,
  PeerChange,
  PeerLog,
  PeerMessage,
  PeerTransport,
  PendingChange,
  RelaySocket,
  RenderedRoom,
  SyncDurableState,
  SyncMiddleware,
  SyncMode,
  SyncOptions,
  SyncStatusReport,
  VisibleStep,
} from './sync/index'
export {
  createBroadcastChannelTransport,
  createConfirmedModel,
  createPeerLog,
  createRelaySocket,
  createSyncMiddleware,
  PEER_WINDOW,
  sync,
} from './sync/index'
export type { LeaseTiming, TabLocks } from './sync/leader/index'
export { createLeaseLocks } from './sync/leader/index'
