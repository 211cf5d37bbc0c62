import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryStorage, type PersistStorage } from '../../src/index'
import { draft, eventually, settings, startRelay, todos } from '../sync/helpers'
import { persistedSyncPage } from './persistedSyncPage'

let relay: Awaited<ReturnType<typeof startRelay>> | undefined
const stops: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop()
  await relay?.stop()
  relay = undefined
})

/** One page load: a store with persist and sync on `socket`, persisting to `storage`. */
function page(storage: PersistStorage, socket: ReturnType<NonNullable<typeof relay>['socketFor']>) {
  const { store, saver, mw } = persistedSyncPage(storage, socket, {
    room: 'offline',
    debounceMs: 10,
  })
  const stop = () => saver.stop()
  stops.push(stop)
  return { store, stop, mw }
}

/** One open tab: persist telling other tabs about its writes, and sync on its own socket. */
function tab(
  storage: PersistStorage,
  socket: ReturnType<NonNullable<typeof relay>['socketFor']>,
  writerId: string,
  allowKeys = ['todos', 'settings'],
) {
  const { store, saver, mw } = persistedSyncPage(storage, socket, {
    room: 'tabs',
    debounceMs: 60_000,
    allowKeys,
    persist: { notifyTabs: true, writerId },
  })
  stops.push(async () => {
    await saver.stop()
    mw.stop()
  })
  return { store, socket, flush: () => saver.flush() }
}

describe('persist with sync', () => {
  it('an edit made offline survives a reload and reaches the relay exactly once after reconnecting', async () => {
    relay = await startRelay()
    const r = relay
    const storage = createMemoryStorage()

    const firstSocket = r.socketFor()
    const first = page(storage, firstSocket)
    await eventually(() =>
      expect(first.store.getState().patchwire.sync.offline?.connection).toBe('live'),
    )
    first.store.dispatch(todos.actions.added('online'))
    await eventually(() => expect(first.store.getState().patchwire.sync.offline?.pending).toBe(0))
    firstSocket.disconnect()
    await eventually(() =>
      expect(first.store.getState().patchwire.sync.offline?.connection).toBe('offline'),
    )
    first.store.dispatch(todos.actions.added('offline edit'))
    await first.stop()
    first.mw.stop()

    // The reload starts offline: the edit must come back from storage alone.
    const socket = r.socketFor({ autoConnect: false })
    const second = page(storage, socket)
    await eventually(() =>
      expect(second.store.getState().todos.items).toEqual(['online', 'offline edit']),
    )
    // sync's outbox came back from storage too: the edit is still waiting for the relay.
    await eventually(() => expect(second.store.getState().patchwire.sync.offline?.pending).toBe(1))
    socket.connect()
    await eventually(() =>
      expect(second.store.getState().patchwire.sync.offline).toMatchObject({
        connection: 'live',
        pending: 0,
      }),
    )
    expect((await r.roomState('offline')).todos).toEqual({ items: ['online', 'offline edit'] })
    expect(second.store.getState().todos.items).toEqual(['online', 'offline edit'])
  })

  it('a tab never adopts another tab’s stored copy of a synced key: it keeps the relay’s state', async () => {
    relay = await startRelay()
    const r = relay
    const storage = createMemoryStorage()
    const tabs = ['tab1', 'tab2', 'tab3'].map((id) => tab(storage, r.socketFor(), id))
    const [one, two, three] = tabs as [(typeof tabs)[0], (typeof tabs)[0], (typeof tabs)[0]]
    for (const t of tabs)
      await eventually(() =>
        expect(t.store.getState().patchwire.sync.tabs?.connection).toBe('live'),
      )
    two.store.dispatch(todos.actions.added('from tab 2'))
    for (const t of tabs)
      await eventually(() => expect(t.store.getState().todos.items).toEqual(['from tab 2']))
    for (const t of tabs) await t.flush()
    // Tab 1 goes offline and edits: its stored copy now holds a change the relay never saw.
    one.socket.disconnect()
    one.store.dispatch(todos.actions.added('offline in tab 1'))
    one.store.dispatch(draft.actions.typed('draft in tab 1'))
    await one.flush()
    // The unsynced draft is adopted from the same notice, after the todos entry.
    await eventually(() => expect(three.store.getState().draft.text).toBe('draft in tab 1'))
    expect(three.store.getState().todos.items).toEqual(['from tab 2'])
    expect(three.store.getState().patchwire.sync.tabs?.pending).toBe(0)
    expect((await r.roomState('tabs')).todos).toEqual({ items: ['from tab 2'] })
  })

  it('a tab adopts the unsynced parts of a partly synced key and keeps its synced paths', async () => {
    relay = await startRelay()
    const r = relay
    const storage = createMemoryStorage()
    const partly = ['todos', 'settings.theme']
    const one = tab(storage, r.socketFor(), 'tab1', partly)
    const two = tab(storage, r.socketFor(), 'tab2', partly)
    for (const t of [one, two])
      await eventually(() =>
        expect(t.store.getState().patchwire.sync.tabs?.connection).toBe('live'),
      )
    one.socket.disconnect()
    one.store.dispatch(settings.actions.themeSet('dark'))
    one.store.dispatch(settings.actions.langSet('fr'))
    await one.flush()
    await eventually(() => expect(two.store.getState().settings.lang).toBe('fr'))
    expect(two.store.getState().settings.theme).toBe('light')
  })
})
