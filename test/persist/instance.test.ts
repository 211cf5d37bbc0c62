import { configureStore } from '@reduxjs/toolkit'
import { describe, expect, it } from 'vitest'
import { getStoreHub } from '../../middleware/storeHub'
import {
  createMemoryStorage,
  PATCHWIRE_KEY,
  PatchwireError,
  patchwireMiddleware,
  patchwireReducer,
  persist,
  withPatchwire,
} from '../../src/index'
import { cart, payloadOf } from './helpers'

const reducer = () => withPatchwire({ cart: cart.reducer, [PATCHWIRE_KEY]: patchwireReducer })

describe('the persist instance', () => {
  it('is installed with concat and flushed through its own flush()', async () => {
    const storage = createMemoryStorage()
    const saver = persist({ storage, key: 'app', debounceMs: 600_000 })
    const store = configureStore({
      reducer: reducer(),
      middleware: (gDM) => gDM().concat(patchwireMiddleware(), saver.middleware),
    })
    await getStoreHub(store).whenHydrated()
    store.dispatch(cart.actions.added('pear'))
    await saver.flush()
    expect(payloadOf(storage.getItem('patchwire:app:v1:cart'))).toEqual({ items: ['pear'] })
    await saver.stop()
  })

  it('throws at the second store it is installed in, naming the option', async () => {
    const saver = persist({ storage: createMemoryStorage(), key: 'app' })
    const make = () =>
      configureStore({ reducer: reducer(), middleware: (gDM) => gDM().concat(saver.middleware) })
    make()
    let error: unknown
    try {
      make()
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(PatchwireError)
    expect((error as PatchwireError<'option'>).details.option).toBe('middleware')
    expect((error as Error).message).toMatch(/persist\("app"\)\.middleware is already installed/)
    await saver.stop()
  })

  it('flush() before the instance is installed resolves without writing', async () => {
    const storage = createMemoryStorage()
    const saver = persist({ storage, key: 'app' })
    await expect(saver.flush()).resolves.toBeUndefined()
    saver.unlock()
    saver.retryLoad()
    expect(storage.keys()).toEqual([])
  })
})
