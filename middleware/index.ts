// patchwire/middleware: the three middlewares, their storages and helpers, by
// explicit name from the files that define them (the root entry lists the same).

export type { UndoHistory, UndoHistoryOptions } from './history/types'
export { undoHistory } from './history/undoHistory'
export type { PatchwireMiddlewareOptions } from './patchwireMiddleware'
export { patchwireMiddleware } from './patchwireMiddleware'
export type { PersistInstance } from './persist/persist'
export { persist } from './persist/persist'
export type { MemoryStorage } from './persist/storages/memoryStorage'
export { createMemoryStorage } from './persist/storages/memoryStorage'
export { createWebStorage } from './persist/storages/webStorage'
export type {
  PersistLoadResult,
  PersistMigration,
  PersistOptions,
  PersistStorage,
  ReduxPersistImportOptions,
} from './persist/types'
export {
  streamError,
  streamStart,
  streamStarted,
  streamStop,
  streamStopped,
} from './stream/actions'
export type { PollFetch, PollHalt, PollOptions, PollPage } from './stream/pollTypes'
export type { StreamInstance } from './stream/stream'
export { stream } from './stream/stream'
export type { CacheEntryLifecycle, StreamIntoCacheOptions } from './stream/streamIntoCache'
export { streamIntoCache } from './stream/streamIntoCache'
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
} from './stream/types'
export type {
  ConfirmedAction,
  ConfirmedChange,
  ConfirmedOptions,
  ConfirmedResult,
} from './sync/guarantees/confirmed'
export { confirmed } from './sync/guarantees/confirmed'
export { sync } from './sync/sync'
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
} from './sync/types'
