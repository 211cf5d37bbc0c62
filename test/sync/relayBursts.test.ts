import type { Middleware } from '@reduxjs/toolkit'
import { afterEach, describe, expect, it } from 'vitest'
import { sync } from '../../middleware/sync/sync'
import { applyPatch } from '../../src/actions'
import type { Change } from '../../src/types'
import { eventually, live, makeStore, startRelay, todos } from './helpers'
import { lateChanges } from './lateChanges'

let relay: Awaited<ReturnType<typeof startRelay>> | undefined
afterEach(async () => {
  await relay?.stop()
  relay = undefined
})

describe('relay changes that arrive together', () => {
  it('reach the store as one applyPatch that keeps each change with its own sequence', async () => {
    const r = await startRelay()
    relay = r
    const writer = r.client({ room: 'burst' })
    const seen: Change[][] = []
    const watch: Middleware = () => (next) => (action) => {
      if (applyPatch.match(action) && action.payload.changes.some((c) => c.source === 'sync'))
        seen.push(action.payload.changes)
      return next(action)
    }
    const late = lateChanges(r.socketFor())
    const mw = sync({ room: 'burst', allowKeys: ['todos'], socket: late.socket })
    const reader = makeStore([watch, mw.middleware])
    await live(writer.store, 'burst')
    await live(reader, 'burst')
    const headBefore = await r.roomHead('burst')
    seen.length = 0
    late.hold()
    for (let i = 0; i < 20; i++) writer.store.dispatch(todos.actions.added(`t${i}`))
    await eventually(() => expect(late.waiting).toBe(20))
    // The 20 changes are handed to the client in one turn, as one read of the socket does.
    late.release()
    await eventually(() => expect(reader.getState().todos.items).toHaveLength(20))
    expect(seen).toHaveLength(1)
    const changes = seen[0]!
    expect(changes).toHaveLength(20)
    expect(changes.map((c) => c.seq)).toEqual(
      Array.from({ length: 20 }, (_, i) => headBefore + 1 + i),
    )
    expect(reader.getState().todos.items).toEqual(writer.store.getState().todos.items)
    mw.stop()
  })
})
