import { describe, expect, it } from 'vitest'
import { DURABLE_ENTRY, entryKey, manifestKey } from '../../middleware/persist/entry'
import { createMemoryStorage, type PersistLoadResult, type PersistStorage } from '../../src/index'
import { makeStore, storedEntry } from './helpers'

const manifest = (keys: string[]) => JSON.stringify({ v: 1, keys })

/**
 * A storage whose reads are answered only when the test says so, all at once, as
 * one round trip to IndexedDB answers every request made before it. `waves` holds
 * the keys asked for in each round trip.
 */
function roundTripStorage(inner: PersistStorage) {
  const waves: string[][] = [[]]
  let waiting: (() => void)[] = []
  const storage: PersistStorage = {
    getItem(key) {
      waves.at(-1)!.push(key)
      return new Promise((resolve, reject) => {
        waiting.push(() => {
          try {
            resolve(inner.getItem(key) as string | null)
          } catch (err) {
            reject(err)
          }
        })
      })
    },
    setItem: (key, value) => inner.setItem(key, value),
    removeItem: (key) => inner.removeItem(key),
  }
  const answer = async () => {
    const now = waiting
    waiting = []
    waves.push([])
    for (const reply of now) reply()
    // Let the load run on until it waits for storage again (or finishes).
    await new Promise((resolve) => setTimeout(resolve, 0))
  }
  return { storage, waves, answer }
}

describe('persist: load round trips', () => {
  it("reads the manifest and every persisted key's entry in one round trip", async () => {
    const inner = createMemoryStorage([
      [manifestKey('app', 1), manifest(['cart', 'settings'])],
      [entryKey('app', 1, 'cart'), storedEntry({ items: ['apple'] })],
      [entryKey('app', 1, 'settings'), storedEntry({ theme: 'dark' })],
    ])
    const { storage, waves, answer } = roundTripStorage(inner)
    const { store, hydrated } = makeStore({ storage })
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(new Set(waves[0])).toEqual(
      new Set([
        manifestKey('app', 1),
        entryKey('app', 1, 'cart'),
        entryKey('app', 1, 'user'),
        entryKey('app', 1, 'settings'),
        entryKey('app', 1, DURABLE_ENTRY),
      ]),
    )
    await answer()
    expect(waves[1]).toEqual([])
    await hydrated()
    expect(store.getState().cart.items).toEqual(['apple'])
    expect(store.getState().settings.theme).toBe('dark')
    expect(store.getState().patchwire.persist.app?.state).toBe('ready')
  })

  it('still reads, in a second round trip, a key the manifest lists that the store does not persist', async () => {
    const inner = createMemoryStorage([
      [manifestKey('app', 1), manifest(['cart', 'retired'])],
      [entryKey('app', 1, 'cart'), storedEntry({ items: ['apple'] })],
      [entryKey('app', 1, 'retired'), storedEntry({ old: true })],
    ])
    const { storage, waves, answer } = roundTripStorage(inner)
    const loads: PersistLoadResult[] = []
    const { store, hydrated } = makeStore({ storage, onLoad: (r) => loads.push(r) })
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(waves[0]).not.toContain(entryKey('app', 1, 'retired'))
    await answer()
    expect(waves[1]).toEqual([entryKey('app', 1, 'retired')])
    await answer()
    await hydrated()
    expect(store.getState().cart.items).toEqual(['apple'])
    expect(loads).toMatchObject([{ ok: true, restored: ['cart'], rejected: [] }])
  })

  it('ignores an entry read ahead that the manifest does not list, even when its read fails', async () => {
    const inner = createMemoryStorage([
      [manifestKey('app', 1), manifest(['cart'])],
      [entryKey('app', 1, 'cart'), storedEntry({ items: ['apple'] })],
      // Written by a tab that closed before it listed it in the manifest.
      [entryKey('app', 1, 'settings'), storedEntry({ theme: 'dark' })],
    ])
    const storage: PersistStorage = {
      getItem: async (key) => {
        if (key === entryKey('app', 1, 'user')) throw new Error('disk error')
        return inner.getItem(key) as string | null
      },
      setItem: (key, value) => inner.setItem(key, value),
      removeItem: (key) => inner.removeItem(key),
    }
    const loads: PersistLoadResult[] = []
    const errors: unknown[] = []
    const { store, hydrated } = makeStore({
      storage,
      onLoad: (r) => loads.push(r),
      onSaveError: (e) => errors.push(e),
    })
    await hydrated()
    expect(store.getState().cart.items).toEqual(['apple'])
    expect(store.getState().settings.theme).toBe('light')
    expect(store.getState().patchwire.persist.app).toMatchObject({
      state: 'ready',
      readOnly: false,
    })
    expect(loads).toMatchObject([{ ok: true, restored: ['cart'], rejected: [] }])
    expect(errors).toEqual([])
  })
})
