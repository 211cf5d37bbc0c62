import { configureStore } from '@reduxjs/toolkit'
import { afterEach, describe, expect, it } from 'vitest'
import { patchwireMiddleware } from '../../middleware/patchwireMiddleware'
import { sync } from '../../middleware/sync/sync'
import { patchwireReducer } from '../../slices/patchwireSlice'
import type { PatchRejectedPayload } from '../../src/actions'
import { PATCHWIRE_KEY, withPatchwire } from '../../src/withPatchwire'
import { type GatedRelay, startGatedRelay } from '../guarantees/helpers'
import { draft, eventually, live, settings, todos } from './helpers'

let relay: GatedRelay | undefined
afterEach(async () => {
  await relay?.stop()
  relay = undefined
})

/** A fresh client whose start state has its own todos, on a socket named `name` for the gate. */
function freshClient(r: GatedRelay, name: string, clientId: string, items: string[]) {
  const rejected: PatchRejectedPayload[] = []
  const mw = sync({
    room: 's',
    clientId,
    socket: r.socketFor({ auth: { name } }),
    allowKeys: ['todos', 'settings'],
  })
  const store = configureStore({
    reducer: withPatchwire({
      todos: todos.reducer,
      settings: settings.reducer,
      draft: draft.reducer,
      [PATCHWIRE_KEY]: patchwireReducer,
    }),
    preloadedState: { todos: { items } },
    middleware: (gDM) =>
      gDM().concat(
        patchwireMiddleware({ onPatchRejected: (x) => rejected.push(x) }),
        mw.middleware,
      ),
  })
  return { store, mw, rejected }
}

describe('two fresh clients seeding an empty room at once', () => {
  it('the later seed keeps the earlier one’s data and is reported stale to its sender, never dropped silently', async () => {
    relay = await startGatedRelay()
    // Both join the empty room; the first seed to arrive is b's, then a's.
    relay.gate('a', 'hold')
    const a = freshClient(relay, 'a', 'zz', ['from a'])
    await live(a.store, 's')
    const b = freshClient(relay, 'b', 'aa', ['from b'])
    await live(b.store, 's')
    await eventually(() => expect(b.store.getState().patchwire.sync.s?.pending).toBe(0))
    relay.gate('a', 'open')
    await eventually(() => expect(a.rejected.map((x) => x.reason)).toEqual(['stale']))
    expect((await relay.roomState('s')).todos).toEqual({ items: ['from b'] })
    await eventually(() => expect(a.store.getState().todos.items).toEqual(['from b']))
    expect(b.store.getState().todos.items).toEqual(['from b'])
    a.mw.stop()
    b.mw.stop()
  })

  it('a seed that lost to an equal seed is not reported, even once later writes changed that path', async () => {
    relay = await startGatedRelay()
    relay.gate('a', 'hold')
    const a = freshClient(relay, 'a', 'zz', ['same'])
    await live(a.store, 's')
    const b = freshClient(relay, 'b', 'aa', ['same'])
    await live(b.store, 's')
    b.store.dispatch(todos.actions.added('later'))
    await eventually(() => expect(b.store.getState().patchwire.sync.s?.pending).toBe(0))
    // a holds b's seed and b's later write before its own seed is answered.
    await eventually(() => expect(a.store.getState().patchwire.sync.s?.lastSeq).toBe(2))
    relay.gate('a', 'open')
    await eventually(() => expect(a.store.getState().patchwire.sync.s?.pending).toBe(0))
    await eventually(() => expect(a.store.getState().todos.items).toEqual(['same', 'later']))
    expect(a.rejected).toEqual([])
    expect((await relay.roomState('s')).todos).toEqual({ items: ['same', 'later'] })
    a.mw.stop()
    b.mw.stop()
  })
})
