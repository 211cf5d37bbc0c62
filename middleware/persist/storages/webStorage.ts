import { PatchwireError } from '../../../src/errors'
import type { PersistStorage } from '../types'

type WebStorageKind = 'local' | 'session'

function unavailable(kind: WebStorageKind, cause?: unknown): PatchwireError {
  return new PatchwireError(
    'storage',
    `${kind}Storage is not available here (server rendering, a sandboxed frame or disabled storage).`,
    { key: `${kind}Storage`, operation: 'read' },
    cause === undefined ? undefined : { cause },
  )
}

/**
 * `localStorage` or `sessionStorage` as a persist storage. Resolved lazily, so
 * it is safe to create during server rendering; when the browser refuses
 * access (disabled storage, sandboxed iframe) each call throws a
 * `PatchwireError('storage')`, which `persist` reports instead of crashing.
 * Quota errors from `setItem` pass through and are reported as `storage_quota`.
 *
 * @example
 * ```ts
 * persist({ storage: createWebStorage('session'), key: 'wizard' })
 * ```
 */
export function createWebStorage(kind: WebStorageKind = 'local'): PersistStorage {
  const resolve = (): Storage => {
    let found: Storage | undefined
    try {
      found = (globalThis as { localStorage?: Storage; sessionStorage?: Storage })[`${kind}Storage`]
    } catch (cause) {
      // Some browsers throw on mere access when storage is disabled.
      throw unavailable(kind, cause)
    }
    if (!found) throw unavailable(kind)
    return found
  }
  return {
    getItem: (key) => resolve().getItem(key),
    setItem: (key, value) => resolve().setItem(key, value),
    removeItem: (key) => resolve().removeItem(key),
  }
}
