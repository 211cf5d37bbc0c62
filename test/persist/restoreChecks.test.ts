import { describe, expect, it } from 'vitest'
import {
  createMemoryStorage,
  type PersistMigration,
  type PersistStorage,
  patchRejected,
} from '../../src/index'
import { makeStore, storedEntry } from './helpers'

/** Storage holding one version-1 cart entry whose payload is exactly `payload` (JSON text). */
function storageWithCart(payload: string): PersistStorage {
  const header = JSON.stringify({ v: 1, at: '000000000000001-000000-seed', writer: 'seed' })
  return createMemoryStorage([
    ['patchwire:app:v1', JSON.stringify({ v: 1, keys: ['cart'] })],
    ['patchwire:app:v1:cart', `${header}\n${payload}`],
  ])
}

async function restore(storage: PersistStorage, options: Record<string, unknown> = {}) {
  const { store, actions, hydrated } = makeStore({ storage, ...options }, false)
  await hydrated()
  const reasons = actions.filter((a) => patchRejected.match(a)).map((a) => a.payload.reason)
  return { state: store.getState(), reasons }
}

describe('persist: what a restore lets into the state', () => {
  it('a stored "__proto__" key is refused as forbidden_path and the key keeps its state', async () => {
    const { state, reasons } = await restore(
      storageWithCart('{"items":["apple"],"__proto__":{"polluted":true}}'),
    )
    expect(reasons).toEqual(['forbidden_path'])
    expect(state.cart.items).toEqual([])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('a "__proto__" key spelled with \\u escapes is refused the same way', async () => {
    const { state, reasons } = await restore(
      storageWithCart('{"items":["apple"],"\\u005f_proto__":{"polluted":true}}'),
    )
    expect(reasons).toEqual(['forbidden_path'])
    expect(state.cart.items).toEqual([])
  })

  it('a "constructor" key deep inside a stored value is refused', async () => {
    const { reasons } = await restore(
      storageWithCart('{"items":[],"meta":{"deep":[{"constructor":{"prototype":1}}]}}'),
    )
    expect(reasons).toEqual(['forbidden_path'])
  })

  it('a value a custom deserialize revives into a Date is refused as invalid_value', async () => {
    const { state, reasons } = await restore(storageWithCart('{"items":[],"at":"2026-01-01"}'), {
      deserialize: (text: string) =>
        JSON.parse(text, (key, value) => (key === 'at' ? new Date(value) : value)),
    })
    expect(reasons).toEqual(['invalid_value'])
    expect(state.cart).toEqual({ items: [] })
  })

  it('a value a migration puts a function into is refused as invalid_value', async () => {
    const migrate: Record<number, PersistMigration> = {
      1: (stored) => {
        const cart = (stored as { cart: { items: string[]; hook?: unknown } }).cart
        cart.hook = () => 'not data'
        return stored
      },
    }
    const { reasons } = await restore(storageWithCart('{"items":["apple"]}'), {
      version: 2,
      migrate,
    })
    expect(reasons).toEqual(['invalid_value'])
  })

  it('a clean stored value is restored as JSON.parse returned it, without a walk that freezes it', async () => {
    const storage = createMemoryStorage([
      ['patchwire:app:v1', JSON.stringify({ v: 1, keys: ['cart'] })],
      ['patchwire:app:v1:cart', storedEntry({ items: ['apple', 'pear'] })],
    ])
    const { state, reasons } = await restore(storage)
    expect(reasons).toEqual([])
    expect(state.cart).toEqual({ items: ['apple', 'pear'] })
    expect(Object.isFrozen(state.cart.items)).toBe(false)
  })
})
