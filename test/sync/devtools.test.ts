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

describe('sync under Redux DevTools', () => {
  it('time travel (jump and toggle) pushes nothing to the relay', async () => {
    const r = await startRelay()
    relay = r
    const socket = r.socketFor()
    const pushes: unknown[] = []
    socket.onAnyOutgoing((event, payload) => {
      if (event === 'push') pushes.push(payload)
    })
    const mw = sync({ room: 'dt1', allowKeys: ['todos', 'settings'], socket })
    const store = configureStore({
      reducer: withPatchwire({
        todos: todos.reducer,
        settings: settings.reducer,
        [PATCHWIRE_KEY]: patchwireReducer,
      }),
      middleware: (gDM) => gDM().concat(patchwireMiddleware(), mw.middleware),
      enhancers: (gDE) => gDE().concat(instrument()),
    })
    await eventually(() => expect(store.getState().patchwire.sync.dt1?.connection).toBe('live'))
    store.dispatch(todos.actions.added('one'))
    store.dispatch(settings.actions.themeSet('dark'))
    await eventually(() => expect(store.getState().patchwire.sync.dt1?.pending).toBe(0))
    const pushed = pushes.length
    const room = await r.roomState('dt1')

    store.liftedStore.dispatch(ActionCreators.jumpToState(0))
    expect(store.getState().todos.items).toEqual([])
    const lifted = store.liftedStore.getState()
    const addedId = lifted.stagedActionIds.find(
      (id) => lifted.actionsById[id]?.action.type === todos.actions.added.type,
    )
    store.liftedStore.dispatch(ActionCreators.jumpToState(lifted.stagedActionIds.length - 1))
    if (addedId !== undefined) store.liftedStore.dispatch(ActionCreators.toggleAction(addedId))
    expect(addedId).toBeDefined()
    expect(store.getState().todos.items).toEqual([])

    // A real dispatch afterwards is pushed: only its own change, nothing the travel showed.
    store.dispatch(settings.actions.langSet('fr'))
    await eventually(() => expect(pushes.length).toBe(pushed + 1))
    const last = pushes[pushes.length - 1] as { changes: { ops: unknown[] }[] }
    expect(last.changes.map((c) => c.ops)).toEqual([
      [{ op: 'add', path: ['settings', 'lang'], value: 'fr' }],
    ])
    expect((await r.roomState('dt1')).todos).toEqual(room.todos)
    mw.stop()
  })

  it('importing a recorded log pushes nothing to the relay', async () => {
    const r = await startRelay()
    relay = r
    const socket = r.socketFor()
    const pushes: unknown[] = []
    socket.onAnyOutgoing((event, payload) => {
      if (event === 'push') pushes.push(payload)
    })
    const reducer = withPatchwire({
      todos: todos.reducer,
      settings: settings.reducer,
      [PATCHWIRE_KEY]: patchwireReducer,
    })
    const mw = sync({ room: 'dt3', allowKeys: ['todos', 'settings'], socket })
    const store = configureStore({
      reducer,
      middleware: (gDM) => gDM().concat(patchwireMiddleware(), mw.middleware),
      enhancers: (gDE) => gDE().concat(instrument()),
    })
    await eventually(() => expect(store.getState().patchwire.sync.dt3?.pending).toBe(0))
    const pushed = pushes.length
    // A log recorded elsewhere (another session of the app, not synced).
    const recorder = configureStore({ reducer, enhancers: (gDE) => gDE().concat(instrument()) })
    recorder.dispatch(todos.actions.added('recorded'))
    store.liftedStore.dispatch(ActionCreators.importState(recorder.liftedStore.getState()))
    expect(store.getState().todos.items).toEqual(['recorded'])

    // A real dispatch afterwards is pushed: only its own change.
    store.dispatch(settings.actions.langSet('fr'))
    await eventually(() => expect(pushes.length).toBe(pushed + 1))
    const last = pushes[pushes.length - 1] as { changes: { ops: unknown[] }[] }
    expect(last.changes.map((c) => c.ops)).toEqual([
      [{ op: 'add', path: ['settings', 'lang'], value: 'fr' }],
    ])
    expect((await r.roomState('dt3')).todos).toEqual({ items: [] })
    mw.stop()
  })

  it('an action dispatched while a past state is shown is pushed and both clients converge', async () => {
    const r = await startRelay()
    relay = r
    const mw = sync({ room: 'dt2', allowKeys: ['todos', 'settings'], socket: r.socketFor() })
    const a = configureStore({
      reducer: withPatchwire({
        todos: todos.reducer,
        settings: settings.reducer,
        [PATCHWIRE_KEY]: patchwireReducer,
      }),
      middleware: (gDM) => gDM().concat(patchwireMiddleware(), mw.middleware),
      enhancers: (gDE) => gDE().concat(instrument()),
    })
    const b = r.client({ room: 'dt2' })
    await eventually(() => expect(a.getState().patchwire.sync.dt2?.connection).toBe('live'))
    a.dispatch(todos.actions.added('one'))
    a.dispatch(settings.actions.themeSet('dark'))
    await eventually(() => expect(b.store.getState().settings.theme).toBe('dark'))
    // The live state, whatever DevTools shows.
    const liveState = () => {
      const lifted = a.liftedStore.getState()
      return lifted.computedStates[lifted.computedStates.length - 1]?.state as ReturnType<
        typeof a.getState
      >
    }

    a.liftedStore.dispatch(ActionCreators.jumpToState(0))
    a.dispatch(todos.actions.added('while travelling'))
    expect(a.getState().todos.items).toEqual([])

    await eventually(() =>
      expect(b.store.getState().todos.items).toEqual(['one', 'while travelling']),
    )
    await eventually(() => expect(liveState().patchwire.sync.dt2?.pending).toBe(0))
    expect(liveState().todos).toEqual(b.store.getState().todos)
    expect(liveState().settings).toEqual(b.store.getState().settings)
    expect((await r.roomState('dt2')).todos).toEqual({ items: ['one', 'while travelling'] })
    mw.stop()
  })
})
