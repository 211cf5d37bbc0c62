import { vouchParsedJson } from '../../src/checkValue'
import { PatchwireError } from '../../src/errors'
import { DURABLE_ENTRY, decodeEntry, decodeManifest, entryKey, manifestKey } from './entry'
import { olderVersions, runMigrations } from './migrate'
import { readReduxPersist } from './reduxPersistImport'
import { toStorageError } from './storageErrors'
import type {
  EntryHeader,
  PersistMigration,
  PersistStorage,
  ReduxPersistImportOptions,
} from './types'

/** What the load found in storage, already migrated to the current version. */
export interface StoredState {
  /** Decoded values per top-level key. */
  values: Map<string, unknown>
  /** Headers of the current-version entries read (for cross-tab checks). */
  headers: Map<string, EntryHeader>
  /** Entries that could not be decoded; they stay in storage untouched. */
  corrupt: { topKey: string; error: PatchwireError }[]
  /** Stored durable parts by name. */
  durable: Record<string, unknown> | undefined
  /** Keys listed in the current version's manifest (empty when none is stored). */
  manifestKeys: string[]
  /** Set when the values came from an older version and must be written under the current one. */
  migratedFrom?: number
  imported?: boolean
  /** Old-version storage keys to remove once the migrated values are written. */
  obsolete: string[]
}

/** What `readStoredState` needs. */
export interface LoadContext {
  storage: PersistStorage
  key: string
  version: number
  migrate: Record<number, PersistMigration>
  deserialize: (text: string) => unknown
  importReduxPersist: ReduxPersistImportOptions | undefined
  /**
   * The top-level keys the store persists: the current version's entries for them are
   * read together with its manifest, so a load is one storage round trip when the
   * manifest lists nothing else. A read is used only for a name the manifest lists.
   */
  expectedKeys?: readonly string[]
}

async function read(storage: PersistStorage, storageKey: string): Promise<unknown> {
  try {
    return await storage.getItem(storageKey)
  } catch (err) {
    throw toStorageError(err, storageKey, 'read')
  }
}

interface VersionData {
  manifestKeys: string[]
  values: Map<string, unknown>
  headers: Map<string, EntryHeader>
  corrupt: { topKey: string; error: PatchwireError }[]
  durable: Record<string, unknown> | undefined
  storageKeys: string[]
}

/**
 * Reads one version's entries. With `vouch`, values the default deserializer (JSON.parse)
 * produced are vouched for as plain data, so the sink looks at them only for forbidden
 * keys; an older version's values are not, since a migration runs app code on them first.
 */
async function readVersion(
  ctx: LoadContext,
  version: number,
  vouch: boolean,
  expected: readonly string[] = [],
): Promise<VersionData | null> {
  const mKey = manifestKey(ctx.key, version)
  // Reads started before the manifest is known; one the manifest turns out not to list
  // is never looked at, its failure included.
  const ahead = new Map<string, Promise<unknown>>()
  for (const name of expected.length > 0 ? [...expected, DURABLE_ENTRY] : []) {
    if (ahead.has(name)) continue
    const reading = read(ctx.storage, entryKey(ctx.key, version, name))
    reading.catch(() => {})
    ahead.set(name, reading)
  }
  const manifest = decodeManifest(mKey, await read(ctx.storage, mKey))
  if (!manifest) return null
  const data: VersionData = {
    manifestKeys: manifest.keys,
    values: new Map(),
    headers: new Map(),
    corrupt: [],
    durable: undefined,
    storageKeys: [],
  }
  // Reads run together: with IndexedDB each is a round trip, and their order does not matter.
  const names = [...manifest.keys, DURABLE_ENTRY]
  const texts = await Promise.all(
    names.map((n) => ahead.get(n) ?? read(ctx.storage, entryKey(ctx.key, version, n))),
  )
  names.forEach((name, i) => {
    const text = texts[i]
    if (text === null || text === undefined) return
    const sKey = entryKey(ctx.key, version, name)
    try {
      const { header, data: value } = decodeEntry(sKey, text, ctx.deserialize)
      if (vouch && ctx.deserialize === JSON.parse) vouchParsedJson(text as string, value)
      data.storageKeys.push(sKey)
      if (name === DURABLE_ENTRY) {
        if (value !== null && typeof value === 'object')
          data.durable = value as Record<string, unknown>
        return
      }
      data.values.set(name, value)
      data.headers.set(name, header)
    } catch (err) {
      data.corrupt.push({ topKey: name, error: err as PatchwireError })
    }
  })
  return data
}

/**
 * Reads the stored state: the current version, else the newest older version
 * (migrated), else redux-persist data when asked. Only reads; throws on a
 * storage or migration failure so the caller keeps the key read-only.
 */
export async function readStoredState(ctx: LoadContext): Promise<StoredState> {
  const current = await readVersion(ctx, ctx.version, true, ctx.expectedKeys)
  if (current) {
    return {
      values: current.values,
      headers: current.headers,
      corrupt: current.corrupt,
      durable: current.durable,
      manifestKeys: current.manifestKeys,
      obsolete: [],
    }
  }
  for (const old of olderVersions(ctx.migrate, ctx.version)) {
    const found = await readVersion(ctx, old, false)
    if (!found) continue
    const migrated = runMigrations(
      ctx.key,
      Object.fromEntries(found.values),
      old,
      ctx.version,
      ctx.migrate,
    )
    // A corrupt old entry was not migrated; keeping it (and its manifest) leaves it recoverable.
    const corruptKeys = new Set(found.corrupt.map((c) => entryKey(ctx.key, old, c.topKey)))
    const obsolete = found.storageKeys.filter((k) => !corruptKeys.has(k))
    if (found.corrupt.length === 0) obsolete.push(manifestKey(ctx.key, old))
    return {
      values: new Map(Object.entries(migrated)),
      headers: new Map(),
      corrupt: found.corrupt,
      durable: found.durable,
      manifestKeys: [],
      migratedFrom: old,
      obsolete,
    }
  }
  if (ctx.importReduxPersist) {
    const imported = await readReduxPersist(ctx.storage, ctx.importReduxPersist)
    if (imported) {
      const from = ctx.importReduxPersist.version ?? ctx.version
      const migrated = runMigrations(ctx.key, imported, from, ctx.version, ctx.migrate)
      return {
        values: new Map(Object.entries(migrated)),
        headers: new Map(),
        corrupt: [],
        durable: undefined,
        manifestKeys: [],
        imported: true,
        obsolete: [],
      }
    }
  }
  return {
    values: new Map(),
    headers: new Map(),
    corrupt: [],
    durable: undefined,
    manifestKeys: [],
    obsolete: [],
  }
}

/**
 * `readStoredState`, failing with `PatchwireError('load_timeout')` when it
 * takes longer than `ms`. `cancel` clears the timer (the read itself cannot be
 * aborted; its late result is ignored by the caller).
 */
export function readStoredStateWithin(
  ctx: LoadContext,
  ms: number,
): { result: Promise<StoredState>; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new PatchwireError(
          'load_timeout',
          `Loading "${ctx.key}" took over ${ms} ms; the key is read-only.`,
          {
            key: ctx.key,
            ms,
          },
        ),
      )
    }, ms)
  })
  const result = Promise.race([readStoredState(ctx), timeout]).finally(() => clearTimeout(timer))
  return { result, cancel: () => clearTimeout(timer) }
}
