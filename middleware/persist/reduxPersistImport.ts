import { PatchwireError } from '../../src/errors'
import { toStorageError } from './storageErrors'
import type { PersistStorage, ReduxPersistImportOptions } from './types'

/**
 * Reads a redux-persist v6 blob (`persist:<key>`): a JSON object whose values
 * are themselves JSON strings, one per top-level key, plus `_persist`.
 * Returns `null` when nothing is stored; throws a `PatchwireError('storage')`
 * when the blob is unreadable, so the caller keeps it and reports.
 *
 * @example
 * ```ts
 * const state = await readReduxPersist(localStorageAdapter, { key: 'root' })
 * ```
 */
export async function readReduxPersist(
  storage: PersistStorage,
  options: ReduxPersistImportOptions,
): Promise<Record<string, unknown> | null> {
  const storageKey = `${options.keyPrefix ?? 'persist:'}${options.key}`
  let raw: unknown
  try {
    raw = await storage.getItem(storageKey)
  } catch (err) {
    throw toStorageError(err, storageKey, 'read')
  }
  if (raw === null || raw === undefined) return null
  try {
    const outer: unknown = JSON.parse(String(raw))
    if (outer === null || typeof outer !== 'object' || Array.isArray(outer))
      throw new TypeError('not an object')
    const state: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(outer)) {
      if (k === '_persist') continue
      state[k] = typeof v === 'string' ? JSON.parse(v) : v
    }
    return state
  } catch (cause) {
    throw new PatchwireError(
      'storage',
      `The redux-persist data "${storageKey}" could not be read (${String(cause)}); it is kept as it is.`,
      { key: storageKey, operation: 'read' },
      { cause },
    )
  }
}
