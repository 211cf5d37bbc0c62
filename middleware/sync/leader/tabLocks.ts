import { createLeaseLocks } from './leaseLocks'

/**
 * An exclusive lock between tabs: the Web Locks API's `navigator.locks` fits
 * as is. `request` runs `hold` once the lock is granted and keeps the lock
 * until the promise `hold` returns settles (or the tab goes away).
 */
export interface TabLocks {
  request(
    name: string,
    options: { mode: 'exclusive'; signal?: AbortSignal },
    hold: () => Promise<unknown>,
  ): Promise<unknown>
}

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
