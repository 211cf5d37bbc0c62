import { configureStore } from '@reduxjs/toolkit'
import { afterEach, describe, expect, it } from 'vitest'
import { getStoreHub } from '../../middleware/storeHub'
import {
  createMemoryStorage,
  PATCHWIRE_KEY,
  patchwireMiddleware,
  patchwireReducer,
  persist,
  withPatchwire,
} from '../../src/index'
import { cart, countingStorage, makeStore, payloadOf, settings } from './helpers'

/** Resolves when `storage` first writes an entry whose key ends with `suffix`. */
function firstWrite(storage: ReturnType<typeof createMemoryStorage>, suffix: string) {
  return new Promise<void>((resolve) => {
    const set = storage.setItem
    storage.setItem = (k, v) => {
      set(k, v)
      if (k.endsWith(suffix)) resolve()
    }
  })
}

describe('persist: when writes happen', () => {
  afterEach(() => {
    Reflect.deleteProperty(globalThis, 'addEventListener')
    Reflect.deleteProperty(globalThis, 'removeEventListener')
  })

  it('writes within maxWaitMs even while changes keep the debounce from settling', async () => {
    const storage = createMemoryStorage()
    const written = firstWrite(storage, ':cart')
    const { store, saver, hydrated } = makeStore({ storage, debounceMs: 600_000, maxWaitMs: 5 })
    await hydrated()
    let n = 0
    const keepChanging = setInterval(() => store.dispatch(cart.actions.added(`i${n++}`)), 1)
    await written
    clearInterval(keepChanging)
    expect(payloadOf(storage.getItem('patchwire:app:v1:cart'))).toMatchObject({
      items: expect.arrayContaining(['i0']),
    })
    await saver.stop()
  })

  it('flushes when the page is hidden or unloaded', async () => {
    const listeners = new Map<string, () => void>()
    Object.assign(globalThis, {
      addEventListener: (type: string, fn: () => void) => listeners.set(type, fn),
      removeEventListener: (type: string) => listeners.delete(type),
    })
    const storage = createMemoryStorage()
    const written = firstWrite(storage, ':cart')
    const { store, saver, hydrated } = makeStore({ storage })
    await hydrated()
    store.dispatch(cart.actions.added('before unload'))
    listeners.get('pagehide')?.()
    await written
    expect(payloadOf(storage.getItem('patchwire:app:v1:cart'))).toEqual({
      items: ['before unload'],
    })
    await saver.stop()
    expect(listeners.has('pagehide')).toBe(false)
  })

  it('flushes each persist instance of a store through its own flush', async () => {
    const storage = createMemoryStorage()
    const carts = persist({ storage, key: 'carts', allow: ['cart'], debounceMs: 600_000 })
    const prefs = persist({ storage, key: 'prefs', allow: ['settings'], debounceMs: 600_000 })
    const store = configureStore({
      reducer: withPatchwire({
        cart: cart.reducer,
        settings: settings.reducer,
        [PATCHWIRE_KEY]: patchwireReducer,
      }),
      middleware: (gDM) => gDM().concat(carts.middleware, prefs.middleware, patchwireMiddleware()),
    })
    await getStoreHub(store).whenHydrated()
    store.dispatch(cart.actions.added('a'))
    store.dispatch(settings.actions.themeSet('dark'))
    await Promise.all([carts.flush(), prefs.flush()])
    expect(payloadOf(storage.getItem('patchwire:carts:v1:cart'))).toEqual({ items: ['a'] })
    expect(payloadOf(storage.getItem('patchwire:prefs:v1:settings'))).toEqual({ theme: 'dark' })
    expect(storage.keys()).not.toContain('patchwire:carts:v1:settings')
    await Promise.all([carts.stop(), prefs.stop()])
  })

  it('writes only its own persisted state when one of two instances is flushed', async () => {
    const storage = createMemoryStorage()
    const carts = persist({ storage, key: 'carts', allow: ['cart'], debounceMs: 600_000 })
    const prefs = persist({ storage, key: 'prefs', allow: ['settings'], debounceMs: 600_000 })
    const store = configureStore({
      reducer: withPatchwire({
        cart: cart.reducer,
        settings: settings.reducer,
        [PATCHWIRE_KEY]: patchwireReducer,
      }),
      middleware: (gDM) => gDM().concat(carts.middleware, prefs.middleware, patchwireMiddleware()),
    })
    await getStoreHub(store).whenHydrated()
    store.dispatch(cart.actions.added('a'))
    store.dispatch(settings.actions.themeSet('dark'))
    await prefs.flush()
    expect(storage.keys()).toContain('patchwire:prefs:v1:settings')
    expect(storage.keys()).not.toContain('patchwire:carts:v1:cart')
    await Promise.all([carts.stop(), prefs.stop()])
  })

  it('flush after stop resolves without writing', async () => {
    const { storage, sets } = countingStorage(createMemoryStorage())
    const { store, saver, hydrated } = makeStore({ storage })
    await hydrated()
    await saver.stop()
    store.dispatch(cart.actions.added('after stop'))
    await expect(saver.flush()).resolves.toBeUndefined()
    expect(sets).toEqual([])
  })
})
