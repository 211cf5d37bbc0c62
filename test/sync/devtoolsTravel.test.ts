import { ActionCreators, instrument } from '@redux-devtools/instrument'
import { configureStore } from '@reduxjs/toolkit'
import { afterEach, describe, expect, it } from 'vitest'
import { patchwireMiddleware } from '../../middleware/patchwireMiddleware'
import { sync } from '../../middleware/sync/sync'
import { patchwireReducer } from '../../slices/patchwireSlice'
import { PATCHWIRE_KEY, withPatchwire } from '../../src/withPatchwire'
import { eventually, settings, startRelay, todos } from './helpers'

let relay: Awaited<ReturnType<typeof startRelay>> | undefined
afterEach(async () => {
  await relay?.stop()
  relay = undefined
})

function devtoolsStore(r: NonNullable<typeof relay>, room: string) {
  const mw = sync({ room, allowKeys: ['todos', 'settings'], socket: r.socketFor() })
  const store = configureStore({
    reducer: withPatchwire({
      todos: todos.reducer,
      settings: settings.reducer,
      [PATCHWIRE_KEY]: patchwireReducer,
    }),
    middleware: (gDM) => gDM().concat(patchwireMiddleware(), mw.middleware),
    enhancers: (gDE) => gDE().concat(instrument()),
  })
  const liveState = () => {
    const lifted = store.liftedStore.getState()
    return lifted.computedStates[lifted.computedStates.length - 1]?.state as ReturnType<
      typeof store.getState
    >
  }
  return { store, mw, liveState }
}

describe('sync while DevTools shows a past state', () => {
  it('a write made before sync started is in the live state once when DevTools shows a past state at the start', async () => {
    const r = await startRelay()
    relay = r
    const a = devtoolsStore(r, 'dt')
    const b = r.client({ room: 'dt' })
    a.store.dispatch(todos.actions.added('mine'))
    a.store.liftedStore.dispatch(ActionCreators.jumpToState(0))
    b.store.dispatch(todos.actions.added('other'))
    await eventually(() => {
      expect(a.liveState().patchwire.sync.dt).toMatchObject({ connection: 'live', pending: 0 })
      expect(b.store.getState().todos.items).toHaveLength(2)
      expect(a.liveState().patchwire.sync.dt?.lastSeq).toBe(
        b.store.getState().patchwire.sync.dt?.lastSeq,
      )
    })
    const room = await r.roomState('dt')
    expect(a.liveState().todos).toEqual(room.todos)
    a.store.liftedStore.dispatch(
      ActionCreators.jumpToState(a.store.liftedStore.getState().computedStates.length - 1),
    )
    expect(a.store.getState().todos).toEqual(room.todos)
    a.mw.stop()
  })

  it('a write made before sync started, skipped in DevTools and turned on again after a later dispatch, is in the state once', async () => {
    const r = await startRelay()
    relay = r
    const a = devtoolsStore(r, 'dt')
    const b = r.client({ room: 'dt' })
    a.store.dispatch(todos.actions.added('mine'))
    const lifted = a.store.liftedStore.getState()
    const mine = lifted.stagedActionIds.find(
      (id) => lifted.actionsById[id]?.action.type === todos.actions.added.type,
    )
    a.store.liftedStore.dispatch(ActionCreators.toggleAction(mine!))
    // Dispatched on the state DevTools recomputed without the skipped write, before the start.
    a.store.dispatch(settings.actions.themeSet('dark'))
    await eventually(() => {
      expect(a.liveState().patchwire.sync.dt).toMatchObject({ connection: 'live', pending: 0 })
      expect(b.store.getState().settings.theme).toBe('dark')
      expect(b.store.getState().todos.items).toEqual(['mine'])
    })
    a.store.liftedStore.dispatch(ActionCreators.toggleAction(mine!))
    const room = await r.roomState('dt')
    expect(room.todos).toEqual({ items: ['mine'] })
    expect(a.store.getState().todos).toEqual(room.todos)
    expect(a.store.getState().settings).toEqual(room.settings)
    a.mw.stop()
  })

  it('a write made before sync started and skipped in DevTools keeps its place before a later early append once turned on again', async () => {
    const r = await startRelay()
    relay = r
    const a = devtoolsStore(r, 'dt')
    a.store.dispatch(todos.actions.added('first'))
    const lifted = a.store.liftedStore.getState()
    const first = lifted.stagedActionIds.find(
      (id) => lifted.actionsById[id]?.action.type === todos.actions.added.type,
    )
    a.store.liftedStore.dispatch(ActionCreators.toggleAction(first!))
    a.store.dispatch(todos.actions.added('second'))
    await eventually(() => {
      expect(a.liveState().patchwire.sync.dt).toMatchObject({ connection: 'live', pending: 0 })
    })
    expect((await r.roomState('dt')).todos).toEqual({ items: ['first', 'second'] })
    a.store.liftedStore.dispatch(ActionCreators.toggleAction(first!))
    expect(a.store.getState().todos).toEqual({ items: ['first', 'second'] })
    a.mw.stop()
  })
})
