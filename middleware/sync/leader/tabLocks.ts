import type { TabLocks } from '../types'
import { createLeaseLocks } from './leaseLocks'

/**
 * The tab locks of this environment: `navigator.locks` (Web Locks: released
 * by the browser when a tab closes or crashes) when present, otherwise
 * leases kept alive by heartbeats over a BroadcastChannel.
 *
 * @example
 * ```ts
 * const locks = defaultTabLocks()
 * void locks.request('patchwire:relay:chat', { mode: 'exclusive' }, () => new Promise(() => {}))
 * ```
 */
export function defaultTabLocks(): TabLocks {
  const nav = (globalThis as { navigator?: { locks?: TabLocks } }).navigator
  if (nav?.locks && typeof nav.locks.request === 'function') return nav.locks
  return createLeaseLocks()
}
