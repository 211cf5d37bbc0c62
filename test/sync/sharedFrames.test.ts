import type { Middleware } from '@reduxjs/toolkit'
import { afterEach, describe, expect, it } from 'vitest'
import { applyPatch } from '../../src/actions'
import type { Change } from '../../src/types'
import { makeSyncedStore } from '../guarantees/helpers'
import { createLocalLocks } from '../guarantees/localLocks'
import { eventually, startRelay, todos } from './helpers'

let relay: Awaited<ReturnType<typeof startRelay>> | undefined
const stops: (() => void)[] = []
afterEach(async () => {
  for (const stop of stops.splice(0)) stop()
  await relay?.stop()
  relay = undefined
})

describe('tabs that share one relay connection', () => {
  it('each get the changes of one push as one applyPatch and converge', async () => {
    const r = await startRelay()
    relay = r
    const locks = createLocalLocks()
    const tabs = Array.from({ length: 3 }, () => {
      const seen: Change[][] = []
      const watch: Middleware = () => (next) => (action) => {
        if (applyPatch.match(action) && action.payload.changes.some((c) => c.source === 'sync'))
          seen.push(action.payload.changes)
        return next(action)
      }
      let leader = false
      const { store, mw } = makeSyncedStore(
        {
          room: 'shared',
          allowKeys: ['todos'],
          url: r.url,
          shareConnection: true,
          tabLocks: locks,
          onLeadership: (l) => {
            leader = l
          },
        },
        [],
        [watch],
      )
      stops.push(() => mw.stop())
      return { store, seen, isLeader: () => leader }
    })
    await eventually(() => {
      for (const t of tabs)
        expect(t.store.getState().patchwire.sync.shared).toMatchObject({
          connection: 'live',
          pending: 0,
        })
    })
    expect(tabs.filter((t) => t.isLeader())).toHaveLength(1)
    const writer = r.client({ room: 'shared' })
    await eventually(() =>
      expect(writer.store.getState().patchwire.sync.shared).toMatchObject({
        connection: 'live',
        pending: 0,
      }),
    )
    for (const t of tabs) t.seen.length = 0
    for (let i = 0; i < 20; i++) writer.store.dispatch(todos.actions.added(`w${i}`))
    await eventually(() => {
      for (const t of tabs) expect(t.store.getState().todos.items).toHaveLength(20)
    })
    for (const t of tabs) expect(t.seen.map((changes) => changes.length)).toEqual([20])
    // A follower's own write reaches the other tabs and the writer through the shared connection.
    const follower = tabs.find((t) => !t.isLeader())!
    follower.store.dispatch(todos.actions.added('from a follower'))
    await eventually(() => {
      for (const s of [...tabs.map((t) => t.store), writer.store])
        expect(s.getState().todos.items).toEqual(follower.store.getState().todos.items)
    })
    expect(follower.store.getState().todos.items).toHaveLength(21)
  })
})
