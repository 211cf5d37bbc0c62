import type { Middleware } from '@reduxjs/toolkit'
import { afterEach, describe, expect, it } from 'vitest'
import { persist } from '../../middleware/persist/persist'
import { createMemoryStorage } from '../../middleware/persist/storages/memoryStorage'
import { getStoreHub, type StoreHub } from '../../middleware/storeHub'
import { parseDurableState } from '../../middleware/sync/durableState'
import { sync } from '../../middleware/sync/sync'
import { createLocalLocks } from '../guarantees/localLocks'
import { eventually, live, makeStore, startRelay, todos } from './helpers'

let relay: Awaited<ReturnType<typeof startRelay>> | undefined
afterEach(async () => {
  await relay?.stop()
  relay = undefined
})

/** Captures the store hub, and optionally restores a durable part the way persist does on load. */
function hubProbe(restore?: { name: string; value: unknown }) {
  const probe: { hub?: StoreHub; middleware: Middleware } = {
    middleware: (api) => {
      const hub = getStoreHub(api)
      probe.hub = hub
      if (restore) {
        // Registered before sync is built, settled after: the order persist guarantees.
        hub.addHydration(
          Promise.resolve().then(() =>
            hub.durableParts().get(restore.name)?.restore(restore.value),
          ),
        )
      }
      return (next) => (action) => next(action)
    },
  }
  return probe
}

describe('the durable part sync:<room>', () => {
  it('carries client id, last sequence and offline changes across a reload, pushed once', async () => {
    const r = await startRelay()
    relay = r
    const probe = hubProbe()
    const socket = r.socketFor()
    const mw = sync({ room: 'd1', allowKeys: ['todos', 'settings'], socket })
    const first = makeStore([probe.middleware, mw.middleware])
    await live(first, 'd1')
    first.dispatch(todos.actions.added('synced'))
    await eventually(() => expect(first.getState().patchwire.sync.d1?.pending).toBe(0))
    socket.disconnect()
    first.dispatch(todos.actions.added('offline 1'))
    first.dispatch(todos.actions.added('offline 2'))
    const saved = JSON.parse(JSON.stringify(probe.hub?.durableParts().get('sync:d1')?.read()))
    mw.stop()
    const state = parseDurableState(saved)
    expect(state?.pending.map((p) => p.ops)).toEqual([
      [{ op: 'add', path: ['todos', 'items', '-'], value: 'offline 1' }],
      [{ op: 'add', path: ['todos', 'items', '-'], value: 'offline 2' }],
    ])
    expect(state?.lastSeq).toBeGreaterThan(0)

    // The reloaded app starts from its initial state; sync restores B + P and re-pushes P.
    const restorer = hubProbe({ name: 'sync:d1', value: saved })
    const reloaded = sync({ room: 'd1', allowKeys: ['todos', 'settings'], socket: r.socketFor() })
    const second = makeStore([restorer.middleware, reloaded.middleware])
    await eventually(() =>
      expect(second.getState().todos.items).toEqual(['synced', 'offline 1', 'offline 2']),
    )
    await eventually(() => expect(second.getState().patchwire.sync.d1?.pending).toBe(0))
    expect((await r.roomState('d1')).todos).toEqual({ items: ['synced', 'offline 1', 'offline 2'] })
    reloaded.stop()
  })

  it('a damaged stored value is ignored and sync starts fresh', () => {
    expect(parseDurableState({ v: 1, clientId: 'a', pending: 'nope' })).toBeUndefined()
    expect(parseDurableState({ v: 2 })).toBeUndefined()
  })
})

describe('sync with persist installed', () => {
  it('offline changes survive a reload through persist and reach the room exactly once', async () => {
    const r = await startRelay()
    relay = r
    const storage = createMemoryStorage()
    const socket = r.socketFor()
    const first = sync({ room: 'p1', allowKeys: ['todos', 'settings'], socket })
    const firstSaver = persist({ storage, key: 'app', debounceMs: 0 })
    const before = makeStore([firstSaver.middleware, first.middleware])
    await live(before, 'p1')
    before.dispatch(todos.actions.added('synced'))
    await eventually(() => expect(before.getState().patchwire.sync.p1?.pending).toBe(0))
    socket.disconnect()
    before.dispatch(todos.actions.added('offline'))
    await firstSaver.flush()
    first.stop()

    const second = sync({ room: 'p1', allowKeys: ['todos', 'settings'], socket: r.socketFor() })
    const after = makeStore([
      persist({ storage, key: 'app', debounceMs: 0 }).middleware,
      second.middleware,
    ])
    await eventually(() => {
      expect(after.getState().patchwire.sync.p1).toMatchObject({ connection: 'live', pending: 0 })
      expect(after.getState().todos.items).toEqual(['synced', 'offline'])
    })
    expect((await r.roomState('p1')).todos).toEqual({ items: ['synced', 'offline'] })
    second.stop()
  })
})

describe('two tabs restoring one saved identity', () => {
  it('the second tab takes a new client id, so both tabs edit concurrently without losing a change', async () => {
    const r = await startRelay()
    relay = r
    const storage = createMemoryStorage()
    const locks = createLocalLocks()
    const open = () => {
      const mw = sync({
        room: 't1',
        allowKeys: ['todos', 'settings'],
        socket: r.socketFor(),
        tabLocks: locks,
      })
      const saver = persist({ storage, key: 'app', debounceMs: 0 })
      const store = makeStore([saver.middleware, mw.middleware])
      return { mw, saver, store }
    }
    const a = open()
    await live(a.store, 't1')
    a.store.dispatch(todos.actions.added('a0'))
    await eventually(() => expect(a.store.getState().patchwire.sync.t1?.pending).toBe(0))
    await a.saver.flush()

    // A second tab of the same origin restores tab a's saved identity while tab a runs.
    const b = open()
    await live(b.store, 't1')
    a.store.dispatch(todos.actions.added('a1'))
    b.store.dispatch(todos.actions.added('b1'))
    a.store.dispatch(todos.actions.added('a2'))
    b.store.dispatch(todos.actions.added('b2'))
    const all = ['a0', 'a1', 'a2', 'b1', 'b2']
    for (const tab of [a, b]) {
      await eventually(() => {
        expect([...tab.store.getState().todos.items].sort()).toEqual(all)
        expect(tab.store.getState().patchwire.sync.t1?.pending).toBe(0)
      })
    }
    const items = ((await r.roomState('t1')).todos as { items: string[] }).items
    expect([...items].sort()).toEqual(all)
    a.mw.stop()
    b.mw.stop()
  })
})
