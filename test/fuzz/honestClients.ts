import { sync } from '../../middleware/sync/sync'
import type { SyncInstance } from '../../middleware/sync/types'
import type { PatchRejectedPayload } from '../../src/actions'
import { makeStore, settings, type TestStore, todos } from '../sync/helpers'

/** A real app store syncing the honest room, and what it wrote. */
export interface HonestClient {
  id: string
  store: TestStore
  mw: SyncInstance
  rejected: PatchRejectedPayload[]
  /** Every todo it added, in order. */
  added: string[]
  /** Writes so far (its field holds this count). */
  writes: number
}

/**
 * Stores built with `configureStore` and the `sync` middleware, each under a
 * fixed client id (and, with tokens, as its own user), writing through plain
 * reducer actions while the fuzzer runs.
 */
export function startHonestClients(
  url: string,
  room: string,
  tokens: readonly (string | undefined)[],
): HonestClient[] {
  return tokens.map((token, i) => {
    const rejected: PatchRejectedPayload[] = []
    const id = `h${i}`
    const mw = sync({
      room,
      url,
      clientId: id,
      allowKeys: ['todos', 'settings'],
      ...(token ? { auth: { token } } : {}),
    })
    const store = makeStore([mw.middleware], rejected)
    return { id, store, mw, rejected, added: [], writes: 0 }
  })
}

/**
 * Each client sets its own field and, with `add`, appends a todo (concurrent
 * appends to one array, which must all be kept).
 */
export function writeOnce(clients: readonly HonestClient[], add: boolean): number {
  for (const c of clients) {
    c.writes++
    c.store.dispatch(settings.actions.fieldSet({ key: c.id, value: c.writes }))
    if (!add) continue
    const text = `${c.id}-${c.added.length + 1}`
    c.added.push(text)
    c.store.dispatch(todos.actions.added(text))
  }
  return clients.length * (add ? 2 : 1)
}

/** True once the client is live with nothing waiting for the relay. */
export function settled(c: HonestClient, room: string): boolean {
  const status = c.store.getState().patchwire.sync[room]
  return status?.connection === 'live' && status.pending === 0
}
