import { isTabClientId, TAB_GROUP } from '../../src/tabClientIds'
import { parseChangeId } from '../store/types'
import type { Refusal } from './validate'

/**
 * The client id a change id pushed by the joined client `origin` writes
 * under: the one whose owner the pusher must be (or becomes, on first use).
 * An id names its client (`<client>:<counter>`), which is the joined one or
 * extends it (`<origin>:<tab>`); an id without a numeric counter is the
 * joined client's. Under the shared-connection group (`tabs`) only tab ids
 * write: the group is joined by every user's shared connection, so an id
 * naming the group itself (`tabs:7`) would let one user take it from all.
 *
 * @example
 * ```ts
 * changeWriter('kiosk1:3', 'kiosk1') // 'kiosk1'
 * changeWriter('tabs:3f2a:3', 'tabs') // 'tabs:3f2a'
 * changeWriter('tabs:3', 'tabs') // { reason: 'bad_request', … }
 * ```
 */
export function changeWriter(id: string, origin: string): string | Refusal {
  if (!id.startsWith(`${origin}:`)) {
    // Otherwise a client could poison another client's exactly-once record.
    return {
      reason: 'bad_request',
      message: `Change ids must start with the joined clientId "${origin}:".`,
    }
  }
  const client = parseChangeId(id)?.client
  if (origin !== TAB_GROUP) return client ?? origin
  if (client !== undefined && isTabClientId(client)) return client
  return {
    reason: 'bad_request',
    message: `Under the shared-connection client id "${TAB_GROUP}" a change id names its tab, "${TAB_GROUP}:<tab>:<counter>"; received "${id}".`,
  }
}
