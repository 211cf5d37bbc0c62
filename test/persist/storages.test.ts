import 'fake-indexeddb/auto'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import localforage from 'localforage'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createFileStorage } from '../../server/index'
import {
  createMemoryStorage,
  createWebStorage,
  isPatchwireError,
  type PersistStorage,
} from '../../src/index'
import { cart, countingStorage, makeStore, settings } from './helpers'

/** Saves through one store, then loads into a fresh store on the same storage: a page reload. */
async function roundTrip(storage: PersistStorage) {
  const first = makeStore({ storage })
  await first.hydrated()
  first.store.dispatch(cart.actions.added('milk'))
  first.store.dispatch(settings.actions.themeSet('dark'))
  await first.saver.stop()
  const second = makeStore({ storage })
  await second.hydrated()
  await second.saver.stop()
  return second.store.getState()
}

function localStorageLike(): Storage {
  const data = new Map<string, string>()
  return {
    get length() {
      return data.size
    },
    clear: () => data.clear(),
    key: (i) => [...data.keys()][i] ?? null,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, String(v)),
    removeItem: (k) => void data.delete(k),
  }
}

describe('persist: storage engines', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'patchwire-persist-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })
  afterEach(() => {
    Reflect.deleteProperty(globalThis, 'localStorage')
  })

  it('saves and restores through localforage over IndexedDB', async () => {
    const db = localforage.createInstance({ name: 'patchwire-test', driver: localforage.INDEXEDDB })
    await db.ready()
    expect(db.driver()).toBe(localforage.INDEXEDDB)
    const state = await roundTrip(db)
    expect(state.cart.items).toEqual(['milk'])
    expect(state.settings.theme).toBe('dark')
    expect(await db.keys()).toContain('patchwire:app:v1:cart')
  })

  it('saves and restores through localforage with an in-memory driver', async () => {
    const maps = new Map<string, Map<string, unknown>>()
    let current = new Map<string, unknown>()
    // A minimal localforage driver; localforage adds callbacks and its own ready() around it.
    await localforage.defineDriver({
      _driver: 'patchwireMemoryDriver',
      _support: true,
      _initStorage(options) {
        const name = `${options.name}/${options.storeName}`
        current = maps.get(name) ?? new Map()
        maps.set(name, current)
      },
      getItem: async <T>(key: string) => (current.get(key) ?? null) as T | null,
      setItem: async <T>(key: string, value: T) => {
        current.set(key, value)
        return value
      },
      removeItem: async (key: string) => {
        current.delete(key)
      },
      clear: async () => current.clear(),
      length: async () => current.size,
      key: async (i: number) => [...current.keys()][i] as string,
      keys: async () => [...current.keys()],
      iterate: async () => undefined as never,
    })
    const db = localforage.createInstance({ name: 'memory-test', driver: 'patchwireMemoryDriver' })
    await db.ready()
    expect(db.driver()).toBe('patchwireMemoryDriver')
    const state = await roundTrip(db)
    expect(state.settings.theme).toBe('dark')
    expect(await db.keys()).toContain('patchwire:app:v1:settings')
  })

  it('saves and restores through the in-memory engine', async () => {
    const state = await roundTrip(createMemoryStorage())
    expect(state.cart.items).toEqual(['milk'])
  })

  it('saves and restores through an engine whose every call settles later', async () => {
    const { storage } = countingStorage(createMemoryStorage(), true)
    const state = await roundTrip(storage)
    expect(state.cart.items).toEqual(['milk'])
  })

  it('saves and restores through files in a directory, one file per key', async () => {
    const storage = createFileStorage({ dir: join(dir, 'files') })
    const state = await roundTrip(storage)
    expect(state.settings.theme).toBe('dark')
    const files = await readdir(join(dir, 'files'))
    expect(files.sort()).toEqual([
      'patchwire%3Aapp%3Av1%3Acart.json',
      'patchwire%3Aapp%3Av1%3Asettings.json',
      'patchwire%3Aapp%3Av1.json',
    ])
  })

  it('saves and restores through localStorage with the web storage adapter', async () => {
    const local = localStorageLike()
    Object.assign(globalThis, { localStorage: local })
    const state = await roundTrip(createWebStorage('local'))
    expect(state.cart.items).toEqual(['milk'])
    expect(local.getItem('patchwire:app:v1:cart')).toContain('milk')
  })

  it('reports an unavailable web storage instead of crashing the app', async () => {
    const errors: unknown[] = []
    const { store, hydrated } = makeStore({
      storage: createWebStorage('session'),
      onSaveError: (e) => errors.push(e),
    })
    await hydrated()
    store.dispatch(cart.actions.added('still works'))
    expect(store.getState().cart.items).toEqual(['still works'])
    expect(errors.map((e) => isPatchwireError(e, 'storage'))).toEqual([true])
    expect(store.getState().patchwire.persist.app?.readOnly).toBe(true)
  })
})
