import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryStorage, type PersistStorage } from '../../src/index'
import { eventually, startRelay, todos } from '../sync/helpers'
import { persistedSyncPage } from './persistedSyncPage'

let relay: Awaited<ReturnType<typeof startRelay>> | undefined
const stops: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop()
  await relay?.stop()
  relay = undefined
})

/** One page load: persist and sync on `socket`, persisting to `storage`. */
function page(storage: PersistStorage, socket: ReturnType<NonNullable<typeof relay>['socketFor']>) {
  const { store, saver, mw } = persistedSyncPage(storage, socket, { room: 'reload', debounceMs: 5 })
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
