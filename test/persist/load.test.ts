import type { UnknownAction } from '@reduxjs/toolkit'
import { describe, expect, it } from 'vitest'
import { getStoreHub } from '../../middleware/storeHub'
import {
  applyPatch,
  createMemoryStorage,
  type PersistLoadResult,
  patchRejected,
} from '../../src/index'
import { cart, countingStorage, makeStore, payloadOf, settings, storedEntry } from './helpers'

const manifest = (keys: string[], v = 1) => JSON.stringify({ v, keys })

function seeded(entries: Record<string, string>) {
  return createMemoryStorage(Object.entries(entries))
}

describe('persist: loading', () => {
  it('restores every stored key as one applyPatch with source persist', async () => {
    const storage = seeded({
      'patchwire:app:v1': manifest(['cart', 'settings']),
      'patchwire:app:v1:cart': storedEntry({ items: ['apple'] }),
      'patchwire:app:v1:settings': storedEntry({ theme: 'dark' }),
    })
    const { store, actions, hydrated } = makeStore({ storage })
    await hydrated()
    const patches = actions.filter((a) => applyPatch.match(a))
    expect(patches).toHaveLength(1)
    const changes = (patches[0] as ReturnType<typeof applyPatch>).payload.changes
    expect(changes.map((c) => c.source)).toEqual(['persist', 'persist'])
    expect(store.getState().cart.items).toEqual(['apple'])
    expect(store.getState().settings.theme).toBe('dark')
    expect(store.getState().patchwire.persist.app?.state).toBe('ready')
  })

  it('writes nothing while a load never resolves, and marks the key read-only when it times out', async () => {
    const inner = createMemoryStorage([['patchwire:app:v1', manifest(['cart'])]])
    const { storage, sets } = countingStorage({
      getItem: () => new Promise<string | null>(() => {}),
      setItem: (k, v) => inner.setItem(k, v),
      removeItem: (k) => inner.removeItem(k),
    })
    const loads: PersistLoadResult[] = []
    const errors: string[] = []
    const { store, saver, hydrated } = makeStore({
      storage,
      loadTimeoutMs: 20,
      onLoad: (r) => loads.push(r),
      onSaveError: (e) => errors.push((e as { code?: string }).code ?? ''),
    })
    store.dispatch(cart.actions.added('pear'))
    await hydrated()
    store.dispatch(cart.actions.added('plum'))
    await saver.flush()
    expect(sets).toEqual([])
    expect(store.getState().patchwire.persist.app).toMatchObject({ state: 'error', readOnly: true })
    expect(loads.map((l) => l.ok)).toEqual([false])
    expect(errors).toEqual(['load_timeout'])
    expect(store.getState().cart.items).toEqual(['pear', 'plum'])
  })

  it('writes again after unlock() once a load has failed', async () => {
    const inner = createMemoryStorage()
    let failing = true
    const { storage, sets } = countingStorage({
      getItem: (k) => (failing ? Promise.reject(new Error('disk gone')) : inner.getItem(k)),
      setItem: (k, v) => inner.setItem(k, v),
      removeItem: (k) => inner.removeItem(k),
    })
    const { store, saver, hydrated } = makeStore({ storage })
    await hydrated()
    store.dispatch(cart.actions.added('pear'))
    await saver.flush()
    expect(sets).toEqual([])
    failing = false
    saver.unlock()
    await saver.flush()
    expect(payloadOf(inner.getItem('patchwire:app:v1:cart'))).toEqual({ items: ['pear'] })
    expect(store.getState().patchwire.persist.app).toMatchObject({
      state: 'ready',
      readOnly: false,
    })
  })

  it('restores the stored state when retryLoad() succeeds after a failed load', async () => {
    const inner = seeded({
      'patchwire:app:v1': manifest(['cart']),
      'patchwire:app:v1:cart': storedEntry({ items: ['kept'] }),
    })
    let failing = true
    const { store, saver, hydrated } = makeStore({
      storage: {
        getItem: (k) => (failing ? Promise.reject(new Error('busy')) : inner.getItem(k)),
        setItem: (k, v) => inner.setItem(k, v),
        removeItem: (k) => inner.removeItem(k),
      },
    })
    await hydrated()
    expect(store.getState().patchwire.persist.app?.state).toBe('error')
    failing = false
    saver.retryLoad()
    await hydrated()
    expect(store.getState().cart.items).toEqual(['kept'])
    expect(store.getState().patchwire.persist.app).toMatchObject({
      state: 'ready',
      readOnly: false,
    })
  })

  it('starts a key whose stored JSON is corrupt from its initial state and keeps the stored text', async () => {
    const corrupt = `${JSON.stringify({ v: 1, at: '000000000000001-000000-seed', writer: 'seed' })}\n{"items": [`
    const storage = seeded({
      'patchwire:app:v1': manifest(['cart', 'settings']),
      'patchwire:app:v1:cart': corrupt,
      'patchwire:app:v1:settings': storedEntry({ theme: 'dark' }),
    })
    const { store, saver, hydrated } = makeStore({ storage })
    await hydrated()
    expect(store.getState().cart.items).toEqual([])
    expect(store.getState().settings.theme).toBe('dark')
    store.dispatch(settings.actions.themeSet('light'))
    await saver.flush()
    expect(storage.getItem('patchwire:app:v1:cart')).toBe(corrupt)
  })

  it('counts an unparseable entry and one without a header as parse errors, not as rejections', async () => {
    const header = JSON.stringify({ v: 1, at: '000000000000001-000000-seed', writer: 'seed' })
    const storage = seeded({
      'patchwire:app:v1': manifest(['cart', 'user', 'settings']),
      'patchwire:app:v1:cart': `${header}\n{"items": [`,
      'patchwire:app:v1:user': JSON.stringify({ name: 'no envelope' }),
      'patchwire:app:v1:settings': storedEntry({ theme: 'dark' }),
    })
    const { store, actions, hydrated } = makeStore({ storage })
    await hydrated()
    expect(store.getState().patchwire.counters).toMatchObject({ parseErrors: 2, rejected: 0 })
    expect(store.getState().patchwire.recentRejections).toEqual([])
    expect(actions.filter((a) => patchRejected.match(a))).toEqual([])
    expect(store.getState().settings.theme).toBe('dark')
  })

  it('overwrites a kept corrupt value once the app writes new state for that key', async () => {
    const storage = seeded({
      'patchwire:app:v1': manifest(['cart']),
      'patchwire:app:v1:cart': 'not an entry',
    })
    const { store, saver, hydrated } = makeStore({ storage })
    await hydrated()
    store.dispatch(cart.actions.added('fresh'))
    await saver.flush()
    expect(payloadOf(storage.getItem('patchwire:app:v1:cart'))).toEqual({ items: ['fresh'] })
  })

  it('rejects a schema-invalid stored value, keeps the initial state for it and counts it', async () => {
    const storage = seeded({
      'patchwire:app:v1': manifest(['cart', 'settings']),
      'patchwire:app:v1:cart': storedEntry({ items: ['ok'] }),
      'patchwire:app:v1:settings': storedEntry({ theme: 'purple' }),
    })
    const loads: PersistLoadResult[] = []
    const { store, actions, hydrated } = makeStore({ storage, onLoad: (r) => loads.push(r) })
    await hydrated()
    expect(store.getState().settings.theme).toBe('light')
    expect(store.getState().cart.items).toEqual(['ok'])
    const rejected = actions.filter((a) => patchRejected.match(a)) as ReturnType<
      typeof patchRejected
    >[]
    expect(rejected.map((r) => r.payload.reason)).toEqual(['schema'])
    expect(store.getState().patchwire.counters).toMatchObject({ rejected: 1, parseErrors: 0 })
    expect(loads[0]).toMatchObject({ ok: true, restored: ['cart'], rejected: ['settings'] })
    expect(payloadOf(storage.getItem('patchwire:app:v1:settings'))).toEqual({ theme: 'purple' })
  })

  it('refuses an invalid stored value in the sink when only the store has a schema', async () => {
    const storage = seeded({
      'patchwire:app:v1': manifest(['settings']),
      'patchwire:app:v1:settings': storedEntry({ theme: 'purple' }),
    })
    const { store, actions, hydrated } = makeStore({ storage })
    await hydrated()
    const rejected = actions.filter((a) => patchRejected.match(a)) as ReturnType<
      typeof patchRejected
    >[]
    expect(rejected.map((r) => [r.payload.reason, r.payload.stage])).toEqual([['schema', 'sink']])
    expect(store.getState().settings.theme).toBe('light')
  })

  it('restores durable parts before hydration resolves and saves them when they change', async () => {
    const storage = seeded({
      'patchwire:app:v1': manifest([]),
      'patchwire:app:v1:__durable': storedEntry({ 'sync:room': { since: 41 } }),
    })
    const order: string[] = []
    let outbox: unknown = { since: 0 }
    const { store, saver, hydrated } = makeStore({ storage })
    const hub = getStoreHub(store)
    // A part registered in the same tick as the store, as sync does.
    hub.addDurable('sync:room', {
      read: () => outbox,
      restore: (value) => {
        order.push('restored')
        outbox = value
      },
    })
    await hydrated().then(() => order.push('hydrated'))
    expect(order).toEqual(['restored', 'hydrated'])
    expect(outbox).toEqual({ since: 41 })
    outbox = { since: 42 }
    hub.durableChanged()
    await saver.flush()
    expect(payloadOf(storage.getItem('patchwire:app:v1:__durable'))).toEqual({
      'sync:room': { since: 42 },
    })
  })

  it('restores a durable part saved before any key was written', async () => {
    const storage = seeded({})
    const first = makeStore({ storage })
    let outbox: unknown = { since: 0 }
    getStoreHub(first.store).addDurable('sync:room', {
      read: () => outbox,
      restore: (value) => {
        outbox = value
      },
    })
    await first.hydrated()
    outbox = { since: 7 }
    getStoreHub(first.store).durableChanged()
    await first.saver.flush()
    // A reload: only the durable part was ever saved, and it must come back.
    const second = makeStore({ storage })
    let restored: unknown
    getStoreHub(second.store).addDurable('sync:room', {
      read: () => restored,
      restore: (value) => {
        restored = value
      },
    })
    await second.hydrated()
    expect(restored).toEqual({ since: 7 })
  })

  it('does not write back what it has just restored', async () => {
    const inner = seeded({
      'patchwire:app:v1': manifest(['cart']),
      'patchwire:app:v1:cart': storedEntry({ items: ['a'] }),
    })
    const { storage, sets } = countingStorage(inner)
    const { store, saver, hydrated } = makeStore({ storage })
    await hydrated()
    store.dispatch({ type: 'unrelated' } satisfies UnknownAction)
    await saver.flush()
    expect(sets).toEqual([])
  })

  it('treats an entry with a malformed stamp as corrupt and still finishes loading', async () => {
    const storage = seeded({
      'patchwire:app:v1': manifest(['cart', 'settings']),
      'patchwire:app:v1:cart': storedEntry({ items: ['a'] }, 1, 'yesterday'),
      'patchwire:app:v1:settings': storedEntry({ theme: 'dark' }),
    })
    const { store, hydrated } = makeStore({ storage })
    await hydrated()
    expect(store.getState().patchwire.counters.parseErrors).toBe(1)
    expect(store.getState().settings.theme).toBe('dark')
    expect(store.getState().patchwire.persist.app?.state).toBe('ready')
  })

  it('keeps persisting when the onLoad callback throws', async () => {
    const storage = createMemoryStorage()
    const errors: unknown[] = []
    const { store, saver, hydrated } = makeStore({
      storage,
      onLoad: () => {
        throw new Error('callback bug')
      },
      onSaveError: (e) => errors.push(e),
    })
    await hydrated()
    store.dispatch(cart.actions.added('still saved'))
    await saver.flush()
    expect(payloadOf(storage.getItem('patchwire:app:v1:cart'))).toEqual({ items: ['still saved'] })
    expect(errors.map((e) => (e as Error).message)).toEqual(['callback bug'])
  })
})
