import { PatchwireError } from '../../src/errors'

function isQuotaError(err: unknown): boolean {
  const e = err as { name?: unknown; code?: unknown; message?: unknown } | null
  if (e === null || typeof e !== 'object') return false
  // Browsers disagree: Chrome and Safari say QuotaExceededError (legacy code 22),
  // old Firefox NS_ERROR_DOM_QUOTA_REACHED (1014); Node file systems say ENOSPC.
  return (
    e.name === 'QuotaExceededError' ||
    e.name === 'NS_ERROR_DOM_QUOTA_REACHED' ||
    e.code === 22 ||
    e.code === 1014 ||
    e.code === 'ENOSPC' ||
    (typeof e.message === 'string' && /quota/i.test(e.message))
  )
}

/** Turns whatever a storage engine threw into a `PatchwireError` (`storage_quota` or `storage`). */
export function toStorageError(
  err: unknown,
  storageKey: string,
  operation: 'read' | 'write' | 'remove',
): PatchwireError {
  if (err instanceof PatchwireError) return err
  if (operation === 'write' && isQuotaError(err)) {
    return new PatchwireError(
      'storage_quota',
      `Storage is full: "${storageKey}" was not written.`,
      { key: storageKey },
      { cause: err },
    )
  }
  return new PatchwireError(
    'storage',
    `Storage failed to ${operation} "${storageKey}": ${err instanceof Error ? err.message : String(err)}`,
    { key: storageKey, operation },
    { cause: err },
  )
}
