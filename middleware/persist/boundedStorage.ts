import { PatchwireError } from '../../src/errors'
import type { PersistStorage } from './types'

/**
 * `storage` with every call bounded by `ms`: a call that has not answered by then
 * rejects with `PatchwireError('storage')` naming the key and the operation, so a
 * write to an engine that never answers (a blocked IndexedDB) fails and is retried
 * like any failed write, and `flush()` / `stop()` settle. The late answer, if one
 * comes, is ignored. What the engine throws is passed on as it is.
 */
export function boundedStorage(storage: PersistStorage, ms: number): PersistStorage {
  const bound = <T>(
    key: string,
    operation: 'read' | 'write' | 'remove',
    call: () => T | PromiseLike<T>,
  ) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new PatchwireError(
              'storage',
              `Storage did not ${operation} "${key}" within ${ms} ms.`,
              {
                key,
                operation,
              },
            ),
          ),
        ms,
      )
      Promise.resolve()
        .then(call)
        .then(resolve, reject)
        .finally(() => clearTimeout(timer))
    })
  return {
    getItem: (key) => bound(key, 'read', () => storage.getItem(key)),
    setItem: (key, value) => bound(key, 'write', () => storage.setItem(key, value)),
    removeItem: (key) => bound(key, 'remove', () => storage.removeItem(key)),
  }
}
