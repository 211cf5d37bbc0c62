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
  persistUnlock,
  readReduxPersist,
  runMigrations,
} from './persist/index'
