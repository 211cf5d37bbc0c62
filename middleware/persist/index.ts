export { runMigrations } from './migrate'
export type { PersistInstance } from './persist'
export { persist } from './persist'
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
