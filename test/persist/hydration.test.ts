import { configureStore } from '@reduxjs/toolkit'
import { describe, expect, it } from 'vitest'
import { getStoreHub } from '../../middleware/storeHub'
import {
  createMemoryStorage,
  PATCHWIRE_KEY,
  type PersistStorage,
  patchwireMiddleware,
  patchwireReducer,
  persist,
  selectIsHydrated,
  selectPersistStatus,
  withPatchwire,
} from '../../src/index'
import { cart, makeStore, settings, storedEntry } from './helpers'

/** Waits until `check` holds; fails after 5 s. */
async function until(check: () => boolean): Promise<void> {
  for (let waited = 0; !check(); waited += 5) {
    if (waited > 5_000) throw new Error('condition never held')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** A storage whose reads wait until `open()` is called. */
function gatedStorage(inner: PersistStorage) {
  let open = () => {}
  const gate = new Promise<void>((resolve) => {
    open = resolve
  })
  const storage: PersistStorage = {
    getItem: async (k) => {
      await gate
      return inner.getItem(k)
    },
    setItem: (k, v) => inner.setItem(k, v),
    removeItem: (k) => inner.removeItem(k),
  }
  return { storage, open }
}

describe('persist: hydration status', () => {
  it('selectIsHydrated reads false right after configureStore, before anything was dispatched', () => {
    const storage = createMemoryStorage([
      ['patchwire:app:v1', JSON.stringify({ v: 1, keys: ['cart'] })],
      ['patchwire:app:v1:cart', storedEntry({ items: ['apple'] })],
    ])
    const { store } = makeStore({ storage })
    expect(selectIsHydrated(store.getState())).toBe(false)
    expect(selectPersistStatus(store.getState(), 'app')?.state).toBe('hydrating')
  })

  it('selectIsHydrated turns true once the load finished', async () => {
    const { store, hydrated } = makeStore({ storage: createMemoryStorage() })
    await hydrated()
    expect(selectIsHydrated(store.getState())).toBe(true)
  })

  it('selectIsHydrated stays false until every persist of the store has loaded', async () => {
    const fast = createMemoryStorage()
    const slow = gatedStorage(createMemoryStorage())
    const carts = persist({ storage: fast, key: 'carts', allow: ['cart'] })
    const prefs = persist({ storage: slow.storage, key: 'prefs', allow: ['settings'] })
    const store = configureStore({
      reducer: withPatchwire({
        cart: cart.reducer,
        settings: settings.reducer,
        [PATCHWIRE_KEY]: patchwireReducer,
      }),
      middleware: (gDM) => gDM().concat(carts.middleware, prefs.middleware, patchwireMiddleware()),
    })
    try {
      expect(selectIsHydrated(store.getState())).toBe(false)
      // The fast one finishes while the slow one still waits for its storage.
      await until(() => selectPersistStatus(store.getState(), 'carts')?.state === 'ready')
      expect(selectIsHydrated(store.getState())).toBe(false)
      slow.open()
      await getStoreHub(store).whenHydrated()
      expect(selectIsHydrated(store.getState())).toBe(true)
    } finally {
      slow.open()
      await Promise.all([carts.stop(), prefs.stop()])
    }
  })
})
