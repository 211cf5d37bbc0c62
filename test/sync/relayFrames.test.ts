import type { Middleware } from '@reduxjs/toolkit'
import { afterEach, describe, expect, it } from 'vitest'
import { sync } from '../../middleware/sync/sync'
import { applyPatch } from '../../src/actions'
import type { Change } from '../../src/types'
import { eventually, live, makeStore, startRelay, todos } from './helpers'

let relay: Awaited<ReturnType<typeof startRelay>> | undefined
afterEach(async () => {
  await relay?.stop()
  relay = undefined
})

/** Records the relay changes of every `applyPatch` that reaches the reducer. */
function watchSync(): { seen: Change[][]; watch: Middleware } {
  const seen: Change[][] = []
  const watch: Middleware = () => (next) => (action) => {
    if (applyPatch.match(action) && action.payload.changes.some((c) => c.source === 'sync'))
      seen.push(action.payload.changes)
    return next(action)
  }
  return { seen, watch }
}

describe('the changes of one push', () => {
  it('reach a reader as one applyPatch that keeps each change with its own sequence, id and origin', async () => {
    const r = await startRelay()
    relay = r
    const writer = r.client({ room: 'burst' })
    const { seen, watch } = watchSync()
    const mw = sync({ room: 'burst', allowKeys: ['todos'], socket: r.socketFor() })
    const reader = makeStore([watch, mw.middleware])
    await live(writer.store, 'burst')
    await live(reader, 'burst')
    await eventually(() => expect(writer.store.getState().patchwire.sync.burst?.pending).toBe(0))
    const pushes: string[][] = []
    writer.socket.onAnyOutgoing((event, payload) => {
      if (event === 'push')
        pushes.push((payload as { changes: { id: string }[] }).changes.map((c) => c.id))
    })
    const headBefore = await r.roomHead('burst')
    seen.length = 0
    // Dispatched in one turn: the writer sends them in one push.
    for (let i = 0; i < 20; i++) writer.store.dispatch(todos.actions.added(`t${i}`))
    await eventually(() => expect(reader.getState().todos.items).toHaveLength(20))
    expect(pushes.map((ids) => ids.length)).toEqual([20])
    expect(seen).toHaveLength(1)
    const changes = seen[0]!
    expect(changes.map((c) => c.seq)).toEqual(
      Array.from({ length: 20 }, (_, i) => headBefore + 1 + i),
    )
    expect(changes.map((c) => c.id)).toEqual(pushes[0])
    const origins = new Set(changes.map((c) => c.origin))
    expect(origins.size).toBe(1)
    expect([...origins][0]).toMatch(/./)
    expect(reader.getState().todos.items).toEqual(writer.store.getState().todos.items)
    mw.stop()
  })

  it('reach a reader whose relay sends one change event each as one applyPatch per change', async () => {
    const r = await startRelay()
    relay = r
    const writer = r.client({ room: 'legacy' })
    const { seen, watch } = watchSync()
    const socket = r.socketFor()
    // A relay that does not know the flag: the join goes out without it.
    const emit = socket.emit.bind(socket) as (...args: unknown[]) => unknown
    ;(socket as unknown as { emit: typeof emit }).emit = (event, payload, ack) =>
      emit(event, event === 'join' ? { ...(payload as object), frames: undefined } : payload, ack)
    const mw = sync({ room: 'legacy', allowKeys: ['todos'], socket })
    const reader = makeStore([watch, mw.middleware])
    await live(writer.store, 'legacy')
    await live(reader, 'legacy')
    await eventually(() => expect(writer.store.getState().patchwire.sync.legacy?.pending).toBe(0))
    seen.length = 0
    for (let i = 0; i < 5; i++) writer.store.dispatch(todos.actions.added(`t${i}`))
    await eventually(() => expect(reader.getState().todos.items).toHaveLength(5))
    expect(seen.map((changes) => changes.length)).toEqual([1, 1, 1, 1, 1])
    expect(reader.getState().todos.items).toEqual(writer.store.getState().todos.items)
    mw.stop()
  })
})
