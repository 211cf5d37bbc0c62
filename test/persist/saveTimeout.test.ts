import { describe, expect, it } from 'vitest'
import { entryKey, manifestKey } from '../../middleware/persist/entry'
import { createMemoryStorage, type PatchwireError, type PersistStorage } from '../../src/index'
import { cart, makeStore, payloadOf } from './helpers'

describe('persist: storage that never answers a write', () => {
  it('stop() settles and reports a storage error when storage never answers, after unlock()', async () => {
    // A blocked IndexedDB: no read or write ever answers.
    const never = () => new Promise<never>(() => {})
    const storage: PersistStorage = { getItem: never, setItem: never, removeItem: never }
    const errors: PatchwireError[] = []
    const { store, saver, hydrated } = makeStore({
      storage,
      loadTimeoutMs: 50,
      saveTimeoutMs: 50,
      onSaveError: (e) => errors.push(e as PatchwireError),
    })
    await hydrated()
    saver.unlock()
    store.dispatch(cart.actions.added('pear'))
    await saver.stop()
    expect(errors.map((e) => e.code)).toEqual(['load_timeout', 'storage'])
    expect(errors[1]!.details).toEqual({ key: manifestKey('app', 1), operation: 'read' })
    expect(errors[1]!.message).toContain('within 50 ms')
    expect(store.getState().patchwire.persist.app).toMatchObject({
      state: 'error',
      lastError: errors[1]!.message,
    })
    expect(store.getState().cart.items).toEqual(['pear'])
  })

  it('a write that timed out is written by the next flush once storage answers again', async () => {
    const inner = createMemoryStorage()
    let hang = false
    const storage: PersistStorage = {
      getItem: (key) => inner.getItem(key),
      setItem: (key, value) => (hang ? new Promise(() => {}) : inner.setItem(key, value)),
      removeItem: (key) => inner.removeItem(key),
    }
    const errors: PatchwireError[] = []
    const { store, saver, hydrated } = makeStore({
      storage,
      saveTimeoutMs: 50,
      onSaveError: (e) => errors.push(e as PatchwireError),
    })
    await hydrated()
    hang = true
    store.dispatch(cart.actions.added('pear'))
    await saver.flush()
    expect(errors.map((e) => [e.code, (e.details as { operation: string }).operation])).toEqual([
      ['storage', 'write'],
    ])
    expect(inner.getItem(entryKey('app', 1, 'cart'))).toBeNull()
    hang = false
    store.dispatch(cart.actions.added('plum'))
    await saver.flush()
    expect(payloadOf(inner.getItem(entryKey('app', 1, 'cart')))).toEqual({
      items: ['pear', 'plum'],
    })
    expect(store.getState().patchwire.persist.app).toMatchObject({
      state: 'ready',
      lastError: null,
    })
  })

  it('refuses a negative saveTimeoutMs at setup, naming the option', () => {
    expect(() => makeStore({ storage: createMemoryStorage(), saveTimeoutMs: -1 })).toThrow(
      /saveTimeoutMs/,
    )
  })
})
