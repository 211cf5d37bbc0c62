import { afterEach, describe, expect, it } from 'vitest'
import { confirmed } from '../../middleware/sync/guarantees/confirmed'
import { memoryStore } from '../../server/store/memoryStore'
import { type ClientSocket, eventually, live, startRelay, todos } from '../sync/helpers'
import { makeSyncedStore } from './helpers'

type Relay = Awaited<ReturnType<typeof startRelay>>
let relay: Relay | undefined
afterEach(async () => {
  await relay?.stop()
  relay = undefined
})

/**
 * Drops the connection as the next relay change arrives, before sync handles
 * it (`onAny` listeners run first): the relay applied the change, and its
 * acknowledgement never reaches the session.
 */
function dropOnNextChange(socket: ClientSocket): void {
  let armed = true
  socket.onAny((event) => {
    if (!armed || (event !== 'change' && event !== 'changes')) return
    armed = false
    socket.disconnect()
  })
}

describe('a confirmed write whose answer was lost', () => {
  it('resolves with its own sequence when the re-push finds it already held, not a later one', async () => {
    // Catch-ups longer than one change come as a snapshot, which does not say which ids it holds.
    const store = memoryStore()
    relay = await startRelay({ store, limits: { maxCatchUp: 1 } })
    const socket = relay.socketFor()
    const a = makeSyncedStore({ room: 'h', socket, allowKeys: ['todos', 'settings'] })
    await live(a.store, 'h')
    await eventually(() => expect(a.store.getState().patchwire.sync.h?.pending).toBe(0))
    dropOnNextChange(socket)
    const result = a.store.dispatch(confirmed(todos.actions.added('x')))
    const other = relay.client({ room: 'h' })
    await live(other.store, 'h')
    await eventually(() => expect(other.store.getState().todos.items).toEqual(['x']))
    other.store.dispatch(todos.actions.added('y'))
    other.store.dispatch(todos.actions.added('z'))
    await eventually(async () => expect(await relay?.roomHead('h')).toBe(4))
    socket.connect()
    const { seq, changes } = await result
    const entry = (await store.since('h', 0))?.find((c) => c.id === changes[0]?.id)
    expect(entry?.ops).toEqual([{ op: 'add', path: ['todos', 'items', '-'], value: 'x' }])
    expect(seq).toBe(entry?.seq)
  })
})
