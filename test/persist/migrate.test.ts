import { describe, expect, it } from 'vitest'
import { createMemoryStorage, isPatchwireError, type PersistMigration } from '../../src/index'
import { cart, countingStorage, makeStore, payloadOf, storedEntry } from './helpers'

const v1Storage = () =>
  createMemoryStorage([
    ['patchwire:app:v1', JSON.stringify({ v: 1, keys: ['basket'] })],
    ['patchwire:app:v1:basket', storedEntry(['apple', 'pear'], 1)],
  ])

// v1 stored a bare array under `basket`; v2 renamed it to `cart`; v3 wrapped it in `{ items }`.
const migrate: Record<number, PersistMigration> = {
  1: ({ basket, ...rest }) => ({ ...rest, cart: basket }),
  2: (state) => ({ ...state, cart: { items: state.cart } }),
}

describe('persist: migrations', () => {
  it('migrates stored state across three versions and restores the result', async () => {
    const storage = v1Storage()
    const { store, hydrated } = makeStore({ storage, version: 3, migrate })
    await hydrated()
    expect(store.getState().cart.items).toEqual(['apple', 'pear'])
  })

  it('writes the migrated state under the new version before removing the old entries', async () => {
    const inner = v1Storage()
    const { storage, sets, removes } = countingStorage(inner)
    const order: string[] = []
    const tracked = {
      getItem: storage.getItem,
      setItem: (k: string, v: string) => {
        order.push(`set ${k}`)
        return storage.setItem(k, v)
      },
      removeItem: (k: string) => {
        order.push(`remove ${k}`)
        return storage.removeItem(k)
      },
    }
    const loads: unknown[] = []
    const { saver, hydrated } = makeStore({
      storage: tracked,
      version: 3,
      migrate,
      onLoad: (r) => loads.push(r),
    })
    await hydrated()
    await saver.flush()
    expect(payloadOf(inner.getItem('patchwire:app:v3:cart'))).toEqual({ items: ['apple', 'pear'] })
    expect(inner.keys().sort()).toEqual(['patchwire:app:v3', 'patchwire:app:v3:cart'])
    const lastSet = order.map((o) => o.startsWith('set')).lastIndexOf(true)
    const firstRemove = order.findIndex((o) => o.startsWith('remove'))
    expect(lastSet).toBeLessThan(firstRemove)
    expect(sets).toContain('patchwire:app:v3:cart')
    expect(removes.sort()).toEqual(['patchwire:app:v1', 'patchwire:app:v1:basket'])
    expect(loads[0]).toMatchObject({ ok: true, migratedFrom: 1, restored: ['cart'] })
  })

  it('keeps the old entries when writing the migrated state fails', async () => {
    const inner = v1Storage()
    const { hydrated, saver } = makeStore({
      storage: {
        getItem: inner.getItem,
        setItem: () => {
          throw new Error('read-only disk')
        },
        removeItem: inner.removeItem,
      },
      version: 3,
      migrate,
    })
    await hydrated()
    await saver.flush()
    expect(inner.keys().sort()).toEqual(['patchwire:app:v1', 'patchwire:app:v1:basket'])
  })

  it('leaves stored data intact and the key read-only when a migration throws', async () => {
    const inner = v1Storage()
    const before = new Map(inner.data)
    const { storage, sets, removes } = countingStorage(inner)
    const errors: unknown[] = []
    const { store, saver, hydrated } = makeStore({
      storage,
      version: 3,
      migrate: {
        1: migrate[1] as PersistMigration,
        2: () => {
          throw new Error('cannot read v2')
        },
      },
      onSaveError: (e) => errors.push(e),
    })
    await hydrated()
    store.dispatch(cart.actions.added('new'))
    await saver.flush()
    expect(sets).toEqual([])
    expect(removes).toEqual([])
    expect(inner.data).toEqual(before)
    expect(store.getState().cart.items).toEqual(['new'])
    expect(store.getState().patchwire.persist.app).toMatchObject({ state: 'error', readOnly: true })
    expect(errors.map((e) => isPatchwireError(e, 'migrate'))).toEqual([true])
  })

  it('reads the current version and skips migrations when it is stored', async () => {
    const storage = v1Storage()
    storage.setItem('patchwire:app:v3', JSON.stringify({ v: 3, keys: ['cart'] }))
    storage.setItem('patchwire:app:v3:cart', storedEntry({ items: ['current'] }, 3))
    const { store, hydrated } = makeStore({ storage, version: 3, migrate })
    await hydrated()
    expect(store.getState().cart.items).toEqual(['current'])
    expect(storage.keys()).toContain('patchwire:app:v1:basket')
  })
})
