import { configureStore } from '@reduxjs/toolkit'
import { afterEach, describe, expect, it } from 'vitest'
import { sync } from '../../middleware/sync/sync'
import {
  createMemoryStorage,
  PATCHWIRE_KEY,
  type PersistStorage,
  patchwireMiddleware,
  patchwireReducer,
  persist,
  withPatchwire,
} from '../../src/index'
import { draft, eventually, settings, startRelay, todos } from '../sync/helpers'

let relay: Awaited<ReturnType<typeof startRelay>> | undefined
const stops: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop()
  await relay?.stop()
  relay = undefined
})

/** One page load: persist and sync on `socket`, persisting to `storage`. */
function page(storage: PersistStorage, socket: ReturnType<NonNullable<typeof relay>['socketFor']>) {
  const saver = persist({ storage, key: 'app', debounceMs: 5 })
  const mw = sync({ room: 'reload', allowKeys: ['todos', 'settings'], socket })
  const store = configureStore({
    reducer: withPatchwire({
      todos: todos.reducer,
      settings: settings.reducer,
      draft: draft.reducer,
      [PATCHWIRE_KEY]: patchwireReducer,
    }),
    middleware: (gDM) =>
      gDM().prepend(saver.middleware).concat(patchwireMiddleware(), mw.middleware),
  })
  let stopped = false
  const close = async () => {
    if (stopped) return
    stopped = true
    await saver.flush()
    await saver.stop()
    mw.stop()
    socket.disconnect()
  }
  stops.push(close)
  return { store, close }
}

describe('reloading a persisted app that never reached the relay', () => {
  it('an edit made before the first join survives a reload and reaches the relay', async () => {
    relay = await startRelay()
    const r = relay
    const storage = createMemoryStorage()
    const first = page(storage, r.socketFor({ autoConnect: false }))
    first.store.dispatch(todos.actions.added('offline'))
    await first.close()

    const second = page(storage, r.socketFor())
    await eventually(() =>
      expect(second.store.getState().patchwire.sync.reload).toMatchObject({
        connection: 'live',
        pending: 0,
      }),
    )
    expect((await r.roomState('reload')).todos).toEqual({ items: ['offline'] })
  })

  it('an edit made before the first join survives a reload followed at once by another edit', async () => {
    relay = await startRelay()
    const r = relay
    const storage = createMemoryStorage()
    const first = page(storage, r.socketFor({ autoConnect: false }))
    first.store.dispatch(todos.actions.added('offline'))
    await first.close()

    const second = page(storage, r.socketFor())
    second.store.dispatch(todos.actions.added('after reload'))
    await eventually(() =>
      expect(second.store.getState().patchwire.sync.reload).toMatchObject({
        connection: 'live',
        pending: 0,
      }),
    )
    expect((await r.roomState('reload')).todos).toEqual({ items: ['offline', 'after reload'] })
    expect(second.store.getState().todos.items).toEqual(['offline', 'after reload'])
  })
})
