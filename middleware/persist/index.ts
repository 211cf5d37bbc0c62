export type { PersistFlushAction, PersistStopAction, PersistTarget } from './actions'
export { persistFlush, persistRetryLoad, persistStop, persistUnlock } from './actions'
export { runMigrations } from './migrate'
export type { PersistDispatch, PersistMiddleware } from './persist'
export { createPersistMiddleware, persist } from './persist'
export { readReduxPersist } from './reduxPersistImport'
export type { MemoryStorage } from './storages/memoryStorage'
export { createMemoryStorage } from './storages/memoryStorage'
export { createWebStorage } from './storages/webStorage'
export type {
  EntryHeader,
  PersistLoadResult,
  PersistManifest,
  PersistMigration,
  PersistOptions,
  PersistStorage,
  ReduxPersistImportOptions,
} from './types'
