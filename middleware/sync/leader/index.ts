import type { RelaySocket, SyncOptions } from '../types'
import { createSharedSocket } from './sharedSocket'
import { defaultTabLocks } from './tabLocks'

export type { LeaseTiming } from './leaseLocks'
export { createLeaseLocks } from './leaseLocks'
export type { SharedSocketOptions } from './sharedSocket'
export { createSharedSocket } from './sharedSocket'
export { defaultTabLocks } from './tabLocks'

/**
 * The shared connection of `sync({ shareConnection: true })`: one per relay
 * URL and room across the tabs of an origin.
 *
 * @example
 * ```ts
 * const socket = shareSocket(options, () => createRelaySocket(options.url as string))
 * ```
 */
export function shareSocket(options: SyncOptions, open: () => RelaySocket): RelaySocket {
  return createSharedSocket({
    key: `${options.url}|${options.room}`,
    open,
    locks: options.tabLocks ?? defaultTabLocks(),
    ...(options.onLeadership ? { onLeadership: options.onLeadership } : {}),
  })
}
