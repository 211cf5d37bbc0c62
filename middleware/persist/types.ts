import type { AnySchema } from '../../src/schemaGate'

/**
 * A key-value storage engine, compatible with redux-persist's: localforage,
 * `redux-persist/lib/storage`, AsyncStorage, `createWebStorage`,
 * `createMemoryStorage`, `createFileStorage`. Each method may be synchronous or
 * return a promise.
 */
export interface PersistStorage {
  getItem(key: string): string | null | undefined | Promise<string | null | undefined>
  setItem(key: string, value: string): unknown
  removeItem(key: string): unknown
}

/** A migration from the version it is keyed under to the next version of the manifest (or `version`). */
export type PersistMigration = (state: Record<string, unknown>) => Record<string, unknown>

/** What `onLoad` receives once the stored state was read (or could not be). */
export interface PersistLoadResult {
  /** The `key` option. */
  key: string
  /** True when the stored state was read; false when the load failed or timed out (the key is read-only). */
  ok: boolean
  /** Top-level keys restored into the store. */
  restored: string[]
  /** Top-level keys whose stored value was corrupt or invalid; the app kept its initial state for them. */
  rejected: string[]
  /** The stored version the state was migrated from, when a migration ran. */
  migratedFrom?: number
  /** True when the state was imported from a redux-persist blob. */
  imported?: boolean
  /** Why the load failed, when `ok` is false. */
  error?: Error
}

/** Where redux-persist v6 data is read from on first load. */
export interface ReduxPersistImportOptions {
  /** The `key` of redux-persist's config. */
  key: string
  /** redux-persist's `keyPrefix`. @defaultValue 'persist:' */
  keyPrefix?: string
  /**
   * The patchwire version the imported state corresponds to; migrations from
   * there up to `version` run on it.
   * @defaultValue the `version` option (no migration)
   */
  version?: number
}

/** Options of `persist`. */
export interface PersistOptions {
  /** The storage engine (sync or async, redux-persist compatible). */
  storage: PersistStorage
  /** Names this persisted state (no `:`); storage keys are `patchwire:<key>:v<version>:<topKey>`. */
  key: string
  /** The version of the stored shape; bump it with a `migrate` entry when the shape changes. @defaultValue 1 */
  version?: number
  /**
   * Migrations keyed by the version they upgrade from. When nothing is stored
   * under `version`, the newest older version with stored data is read and
   * migrated step by step; the old entries are removed only after the new ones
   * are written. A throwing migration leaves stored data untouched and the key read-only.
   * @defaultValue {}
   */
  migrate?: Record<number, PersistMigration>
  /**
   * Top-level keys or dotted paths (`'user.prefs'`) to persist. Everything else is never written.
   * @defaultValue every top-level key except the status slice
   */
  allow?: readonly string[]
  /** Top-level keys or dotted paths (`'user.token'`) that never reach storage. @defaultValue [] */
  deny?: readonly string[]
  /** Quiet time after the last change before writing. @defaultValue 250 */
  debounceMs?: number
  /** Longest a change waits to be written while changes keep coming. @defaultValue 1000 */
  maxWaitMs?: number
  /** A load taking longer fails: the key stays read-only and stored data is untouched. @defaultValue 10000 */
  loadTimeoutMs?: number
  /**
   * A storage call of a write (reading the manifest or an entry, writing, removing)
   * that has not answered by then fails that write: it is reported to `onSaveError`
   * as `PatchwireError('storage')` and retried like any failed write, so `flush()`
   * and `stop()` settle even when the engine never answers (a blocked IndexedDB).
   * @defaultValue 10000
   */
  saveTimeoutMs?: number
  /**
   * A Standard Schema of the root state (zod 4 `z.object`). Stored values are
   * validated before they are dispatched; an invalid one is rejected and the
   * app keeps its initial state for that key. The sink also validates with
   * the store's own schema.
   */
  schema?: AnySchema
  /** Called once the load finished or failed. */
  onLoad?: (result: PersistLoadResult) => void
  /** Called for every failed write (codes `storage_quota`, `storage`, `serialize`) and load problem. */
  onSaveError?: (error: Error) => void
  /** Turns a persisted value into a string. @defaultValue JSON.stringify */
  serialize?: (value: unknown) => string
  /** Turns a stored string back into a value. @defaultValue JSON.parse */
  deserialize?: (text: string) => unknown
  /** Reads redux-persist v6 data on first load, when no patchwire data is stored. */
  importReduxPersist?: ReduxPersistImportOptions
  /**
   * What to do when another tab (or store) stored an entry newer than what
   * this tab shows (by the clocks in the entries' headers): `'adopt'`
   * dispatches the stored value (source `'persist'`) instead of overwriting it,
   * and never writes an older view over a newer entry; paths `sync` shares are
   * never adopted (sync delivers them). `'overwrite'` writes without looking
   * (fewer reads per write when only one writer exists, as in React Native or Node).
   * @defaultValue 'adopt'
   */
  crossTab?: 'adopt' | 'overwrite'
  /**
   * Tells other tabs (a `BroadcastChannel` named `patchwire:persist:<key>`)
   * which keys this tab wrote, so they adopt the entries newer than what they
   * show at once instead of when they next save. Synced paths are never
   * adopted this way either.
   * @defaultValue false
   */
  notifyTabs?: boolean
  /** Identifies this writer in stored entries. @defaultValue a random id */
  writerId?: string
  /** Where the status slice is mounted; never persisted. @defaultValue 'patchwire' */
  statusKey?: string
  /** Wall clock for stamps; inject one in tests. @defaultValue Date.now */
  now?: () => number
}

/** The header stored before each entry's payload. */
export interface EntryHeader {
  /** The version the payload was written under. */
  v: number
  /** Hybrid logical clock timestamp of the view the payload holds (its last change in that tab). */
  at: string
  /** The writer (tab) that wrote it. */
  writer: string
}

/** The manifest stored under `patchwire:<key>:v<version>`: which entries exist. */
export interface PersistManifest {
  v: number
  keys: string[]
}
