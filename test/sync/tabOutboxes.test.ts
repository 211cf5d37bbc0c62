import { afterEach, describe, expect, it } from 'vitest'
import { persist } from '../../middleware/persist/persist'
import { createMemoryStorage } from '../../middleware/persist/storages/memoryStorage'
import type { PersistStorage } from '../../middleware/persist/types'
import { sync } from '../../middleware/sync/sync'
import type { SyncOptions } from '../../middleware/sync/types'
import type { PatchRejectedPayload } from '../../src/actions'
import { createLocalLocks } from '../guarantees/localLocks'
import { type ClientSocket, draft, eventually, live, makeStore, startRelay, todos } from './helpers'

type Relay = Awaited<ReturnType<typeof startRelay>>
let relay: Relay | undefined
const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
  await relay?.stop()
  relay = undefined
})

/** A tab of one browser: a store with persist on the shared storage and sync on the shared locks. */
function openTab(
  r: Pick<Relay, 'socketFor'>,
  storage: PersistStorage,
  locks: ReturnType<typeof createLocalLocks>,
  room: string,
  extra: Partial<SyncOptions> = {},
  version = 1,
  socketOptions: Record<string, unknown> = {},
) {
  const rejected: PatchRejectedPayload[] = []
  const socket = extra.url ? undefined : r.socketFor(socketOptions)
  const mw = sync({
    room,
    allowKeys: ['todos', 'settings'],
    tabLocks: locks,
    ...(socket ? { socket } : {}),
    ...extra,
  })
  // Only local keys are persisted: the synced ones come back through sync's own
  // durable state, so what these tests see does not depend on persist's cross-tab adopt.
  const saver = persist({
    storage,
    key: 'app',
    version,
    migrate: { 1: (state) => state },
    debounceMs: 0,
    allow: ['draft'],
  })
  const store = makeStore([saver.middleware, mw.middleware], rejected)
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    mw.stop()
    await saver.stop()
  }
  closers.push(close)
  return { store, socket, mw, saver, rejected, close }
}

type Tab = ReturnType<typeof openTab>

const settled = (tab: Tab, room: string) =>
  eventually(() =>
    expect(tab.store.getState().patchwire.sync[room]).toMatchObject({
      connection: 'live',
      pending: 0,
    }),
  )

const roomItems = async (r: Pick<Relay, 'roomState'>, room: string) =>
  [...((await r.roomState(room)).todos as { items: string[] }).items].sort()

describe('each tab keeps its own outbox', () => {
  it("a tab's offline edits survive another tab's save and reach the relay once after a reload", async () => {
    const r = await startRelay()
    relay = r
    const storage = createMemoryStorage()
    const locks = createLocalLocks()
    const tab1 = openTab(r, storage, locks, 'o1')
    await settled(tab1, 'o1')
    await tab1.saver.flush()
    const tab2 = openTab(r, storage, locks, 'o1')
    await settled(tab2, 'o1')

    tab1.socket?.disconnect()
    tab1.store.dispatch(todos.actions.added('offline 1'))
    tab1.store.dispatch(todos.actions.added('offline 2'))
    await eventually(() => expect(tab1.store.getState().patchwire.sync.o1?.pending).toBe(2))
    await tab1.saver.flush()
    // Another device writes; tab 2 receives it and saves after tab 1 did.
    const other = r.client({ room: 'o1' })
    other.store.dispatch(todos.actions.added('other device'))
    await eventually(() => expect(tab2.store.getState().todos.items).toContain('other device'))
    await tab2.saver.flush()

    await tab1.close()
    const reloaded = openTab(r, storage, locks, 'o1')
    await settled(reloaded, 'o1')
    const all = ['offline 1', 'offline 2', 'other device']
    expect(await roomItems(r, 'o1')).toEqual(all)
    for (const tab of [reloaded, tab2]) {
      await eventually(() => expect([...tab.store.getState().todos.items].sort()).toEqual(all))
    }
    expect(reloaded.rejected).toEqual([])
  })

  it('a tab that closes with pending changes while another stays open: the next tab to start pushes them once', async () => {
    const r = await startRelay()
    relay = r
    const storage = createMemoryStorage()
    const locks = createLocalLocks()
    const tab1 = openTab(r, storage, locks, 'o2')
    await settled(tab1, 'o2')
    const tab2 = openTab(r, storage, locks, 'o2')
    await settled(tab2, 'o2')
    tab1.socket?.disconnect()
    tab1.store.dispatch(todos.actions.added('left 1'))
    tab1.store.dispatch(todos.actions.added('left 2'))
    await tab1.close()
    // The tab that stays open saves last.
    tab2.store.dispatch(todos.actions.added('stays'))
    await settled(tab2, 'o2')
    await tab2.saver.flush()

    const tab3 = openTab(r, storage, locks, 'o2')
    await settled(tab3, 'o2')
    const all = ['left 1', 'left 2', 'stays']
    expect(await roomItems(r, 'o2')).toEqual(all)
    await eventually(() => expect([...tab2.store.getState().todos.items].sort()).toEqual(all))
    // A fourth tab finds nothing left to push.
    const tab4 = openTab(r, storage, locks, 'o2')
    await settled(tab4, 'o2')
    expect(await roomItems(r, 'o2')).toEqual(all)
  })

  it('offline edits saved under one persisted version are pushed after a migration to the next', async () => {
    const r = await startRelay()
    relay = r
    const storage = createMemoryStorage()
    const locks = createLocalLocks()
    const v1 = openTab(r, storage, locks, 'o4')
    await settled(v1, 'o4')
    v1.socket?.disconnect()
    v1.store.dispatch(todos.actions.added('saved under v1'))
    await v1.close()
    const v2 = openTab(r, storage, locks, 'o4', {}, 2)
    await settled(v2, 'o4')
    expect(await roomItems(r, 'o4')).toEqual(['saved under v1'])
  })

  it('an outbox the storage cannot read is left as it is, and taken over once it can be read', async () => {
    const r = await startRelay()
    relay = r
    const memory = createMemoryStorage()
    let failing = false
    const storage: PersistStorage = {
      getItem: (key) => {
        if (failing && key.includes(':outbox:')) throw new Error('disk read error')
        return memory.getItem(key)
      },
      setItem: (key, value) => memory.setItem(key, value),
      removeItem: (key) => memory.removeItem(key),
    }
    const locks = createLocalLocks()
    const tab1 = openTab(r, storage, locks, 'o5')
    await settled(tab1, 'o5')
    tab1.socket?.disconnect()
    tab1.store.dispatch(todos.actions.added('kept safe'))
    await tab1.close()

    failing = true
    const tab2 = openTab(r, storage, locks, 'o5')
    await settled(tab2, 'o5')
    expect(await roomItems(r, 'o5')).toEqual([])

    failing = false
    const tab3 = openTab(r, storage, locks, 'o5')
    await settled(tab3, 'o5')
    expect(await roomItems(r, 'o5')).toEqual(['kept safe'])
  })

  it("a starting tab never takes over a live tab's outbox", async () => {
    const r = await startRelay()
    relay = r
    const storage = createMemoryStorage()
    const locks = createLocalLocks()
    const tab1 = openTab(r, storage, locks, 'o3')
    await settled(tab1, 'o3')
    tab1.socket?.disconnect()
    tab1.store.dispatch(todos.actions.added('mine'))
    await tab1.saver.flush()

    const tab2 = openTab(r, storage, locks, 'o3')
    await settled(tab2, 'o3')
    tab2.store.dispatch(todos.actions.added('theirs'))
    await settled(tab2, 'o3')
    expect(await roomItems(r, 'o3')).toEqual(['theirs'])
    expect(tab1.store.getState().patchwire.sync.o3?.pending).toBe(1)

    tab1.socket?.connect()
    await settled(tab1, 'o3')
    expect(await roomItems(r, 'o3')).toEqual(['mine', 'theirs'])
  })
})

describe('a client id saved before shareConnection was turned on', () => {
  it('leaves every shared-connection tab able to write, and its pending change is pushed once', async () => {
    const r = await startRelay()
    relay = r
    const storage = createMemoryStorage()
    const locks = createLocalLocks()
    const before = openTab(r, storage, locks, 'sc')
    await settled(before, 'sc')
    before.store.dispatch(todos.actions.added('before'))
    await settled(before, 'sc')
    before.socket?.disconnect()
    before.store.dispatch(todos.actions.added('unsent'))
    await before.close()

    const tabs = [0, 1, 2].map(() =>
      openTab(r, storage, locks, 'sc', { url: r.url, shareConnection: true }),
    )
    for (const tab of tabs) await live(tab.store, 'sc')
    tabs.forEach((tab, i) => {
      tab.store.dispatch(todos.actions.added(`tab${i}`))
    })
    for (const tab of tabs) await eventually(() => expect(tab.rejected).toEqual([]))
    for (const tab of tabs) await settled(tab, 'sc')
    const all = ['before', 'tab0', 'tab1', 'tab2', 'unsent']
    expect(await roomItems(r, 'sc')).toEqual(all)
    for (const tab of tabs) {
      await eventually(() => expect([...tab.store.getState().todos.items].sort()).toEqual(all))
      expect(tab.rejected).toEqual([])
    }
  })

  it('a pending change the relay applied after its tab was gone is not applied a second time', async () => {
    const r = await startRelay()
    relay = r
    const storage = createMemoryStorage()
    const locks = createLocalLocks()
    const before = openTab(r, storage, locks, 'sd')
    await settled(before, 'sd')
    before.store.dispatch(draft.actions.typed('a persisted key'))
    // The relay applies the next push, but neither its answer nor its broadcast reaches the tab.
    const socket = before.socket as ClientSocket
    const emit = socket.emit.bind(socket) as (...args: unknown[]) => unknown
    ;(socket as unknown as { emit: typeof emit }).emit = (event, payload, ack) => {
      if (event !== 'push') return emit(event, payload, ack)
      socket.off('change')
      socket.off('changes')
      return emit(event, payload, () => {})
    }
    before.store.dispatch(todos.actions.added('answer lost'))
    for (let items: string[] = []; !items.includes('answer lost'); ) {
      items = await roomItems(r, 'sd')
    }
    await before.close()

    const tabs = [0, 1].map(() =>
      openTab(r, storage, locks, 'sd', { url: r.url, shareConnection: true }),
    )
    for (const tab of tabs) await settled(tab, 'sd')
    tabs[0]?.store.dispatch(todos.actions.added('after'))
    for (const tab of tabs) await settled(tab, 'sd')
    expect(await roomItems(r, 'sd')).toEqual(['after', 'answer lost'])
    for (const tab of tabs) {
      await eventually(() =>
        expect([...tab.store.getState().todos.items].sort()).toEqual(['after', 'answer lost']),
      )
    }
  })
})
