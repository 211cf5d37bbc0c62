import { combineReducers, configureStore, createSlice, type PayloadAction } from '@reduxjs/toolkit'
import { persistReducer, persistStore } from 'redux-persist'
import { describe, expect, it } from 'vitest'
import { applyPatch, createMemoryStorage } from '../../src/index'
import { makeStore } from './helpers'

// Creates real redux-persist v6 data with redux-persist itself.
async function writeWithReduxPersist(storage: ReturnType<typeof createMemoryStorage>) {
  const cartSlice = createSlice({
    name: 'cart',
    initialState: { items: [] as string[] },
    reducers: {
      added: (s, a: PayloadAction<string>) => {
        s.items.push(a.payload)
      },
    },
  })
  const settingsSlice = createSlice({
    name: 'settings',
    initialState: { theme: 'light' },
    reducers: {
      dark: (s) => {
        s.theme = 'dark'
      },
    },
  })
  // redux-persist wants promise-returning engines, like its own lib/storage.
  const asyncStorage = {
    getItem: async (k: string) => storage.getItem(k),
    setItem: async (k: string, v: string) => storage.setItem(k, v),
    removeItem: async (k: string) => storage.removeItem(k),
  }
  const rootReducer = persistReducer(
    { key: 'root', storage: asyncStorage, version: 4 },
    combineReducers({ cart: cartSlice.reducer, settings: settingsSlice.reducer }),
  )
  const store = configureStore({
    reducer: rootReducer,
    middleware: (gDM) => gDM({ serializableCheck: false }),
  })
  const persistor = persistStore(store)
  await new Promise<void>((resolve) => {
    const check = () => persistor.getState().bootstrapped && resolve()
    persistor.subscribe(check)
    check()
  })
  store.dispatch(cartSlice.actions.added('from redux-persist'))
  store.dispatch(settingsSlice.actions.dark())
  await persistor.flush()
}

describe('persist: importing redux-persist data', () => {
  it('imports a redux-persist v6 blob on first load, as one applyPatch, and stores it in patchwire form', async () => {
    const storage = createMemoryStorage()
    await writeWithReduxPersist(storage)
    expect(storage.getItem('persist:root')).toContain('from redux-persist')
    const loads: unknown[] = []
    const { store, saver, actions, hydrated } = makeStore({
      storage,
      importReduxPersist: { key: 'root' },
      onLoad: (r) => loads.push(r),
    })
    await hydrated()
    expect(store.getState().cart.items).toEqual(['from redux-persist'])
    expect(store.getState().settings.theme).toBe('dark')
    expect(actions.filter((a) => applyPatch.match(a))).toHaveLength(1)
    expect(loads[0]).toMatchObject({ ok: true, imported: true })
    await saver.flush()
    expect(storage.keys()).toContain('patchwire:app:v1:cart')
    expect(storage.keys()).toContain('persist:root')
  })

  it('ignores redux-persist data once patchwire data exists', async () => {
    const storage = createMemoryStorage()
    await writeWithReduxPersist(storage)
    storage.setItem('patchwire:app:v1', JSON.stringify({ v: 1, keys: [] }))
    const { store, hydrated } = makeStore({ storage, importReduxPersist: { key: 'root' } })
    await hydrated()
    expect(store.getState().cart.items).toEqual([])
  })
})
