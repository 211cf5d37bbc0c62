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

/**
 * The clients the ids of a push write under (see `changeWriter`). Ids it
 * refuses are refused by the room and must not claim anything.
 */
export function clientsOf(changes: readonly unknown[], origin: string): Set<string> {
  const clients = new Set<string>()
  for (const c of changes) {
    const id = (c as { id?: unknown } | null)?.id
    if (typeof id !== 'string') continue
    const writer = changeWriter(id, origin)
    if (typeof writer === 'string') clients.add(writer)
  }
  return clients
}
