import { expect } from 'vitest'
import { confirmed } from '../../middleware/sync/guarantees/confirmed'
import type { JoinAck, RelayChange } from '../../src/protocol'
import { makeSyncedStore } from '../guarantees/helpers'
import { eventually, live, type startRelay, todos } from './helpers'

type Relay = Pick<Awaited<ReturnType<typeof startRelay>>, 'socketFor'>

/** A process of the app: a fresh store (no persist) syncing `room` under a fixed client id. */
export function kiosk(r: Relay, room = 'k', clientId = 'kiosk1') {
  const socket = r.socketFor()
  const made = makeSyncedStore({ room, clientId, socket, allowKeys: ['todos', 'settings'] })
  return {
    ...made,
    add: (text: string) => made.store.dispatch(confirmed(todos.actions.added(text))),
    exit: () => {
      made.mw.stop()
      socket.disconnect()
    },
  }
}

/** Every change in the room's log, read by a fresh socket. */
export async function roomLog(r: Relay, room = 'k'): Promise<RelayChange[]> {
  const socket = r.socketFor({ reconnection: false })
  const ack = await new Promise<JoinAck>((resolve) =>
    socket.emit('join', { room, since: 0, schemaVersion: 1, clientId: 'inspector' }, resolve),
  )
  socket.disconnect()
  if (!ack.ok) throw new Error(`join refused: ${ack.reason}`)
  return ack.changes
}

/** What one confirmed write of `twins` came to. */
export type Outcome = { title: string; id?: string; seq?: number; error?: unknown }

/**
 * Two processes of the app under one fixed client id, both joined before
 * either writes (a restart overlapping the old process, a kiosk opened
 * twice); each then writes three todos with confirmed(), interleaved, so
 * both make the same ids. `other` is the relay node the second one uses.
 */
export async function twins(r: Relay, other: Relay = r) {
  const a = kiosk(r)
  const b = kiosk(other)
  await Promise.all([live(a.store, 'k'), live(b.store, 'k')])
  await eventually(() => {
    for (const k of [a, b]) expect(k.store.getState().patchwire.sync.k?.pending).toBe(0)
  })
  const writes: PromiseLike<Outcome>[] = []
  for (let i = 1; i <= 3; i++) {
    for (const [name, k] of [['a', a] as const, ['b', b] as const]) {
      const title = `${name}${i}`
      writes.push(
        k.add(title).then(
          ({ changes }) => ({ title, id: changes[0]!.id, seq: changes[0]!.seq }),
          (error: unknown) => ({ title, error }),
        ),
      )
    }
  }
  return { a, b, outcomes: await Promise.all(writes) }
}
