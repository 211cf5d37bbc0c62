import { configureStore } from '@reduxjs/toolkit'
import { describe, expectTypeOf, it } from 'vitest'
import {
  createMemoryStorage,
  PATCHWIRE_KEY,
  type PersistLoadResult,
  type PersistStorage,
  patchwireMiddleware,
  patchwireReducer,
  persist,
  withPatchwire,
} from '../../src/index'
import { cart } from './helpers'

describe('persist types', () => {
  it('types the instance controls as promises, installed with concat and no prepend', async () => {
    const saver = persist({ storage: createMemoryStorage(), key: 'types' })
    const store = configureStore({
      reducer: withPatchwire({ cart: cart.reducer, [PATCHWIRE_KEY]: patchwireReducer }),
      middleware: (gDM) => gDM().concat(patchwireMiddleware(), saver.middleware),
    })
    const flushed = saver.flush()
    expectTypeOf(flushed).toEqualTypeOf<Promise<void>>()
    expectTypeOf(saver.stop).returns.toEqualTypeOf<Promise<void>>()
    expectTypeOf(saver.unlock).returns.toEqualTypeOf<void>()
    expectTypeOf(saver.retryLoad).returns.toEqualTypeOf<void>()
    // The store's dispatch keeps RTK's thunk typing: no dispatch extension to claim it.
    expectTypeOf(store.dispatch(() => 1 as const)).toEqualTypeOf<1>()
    await flushed
    await saver.stop()
  })

  it('accepts sync and promise-returning storage engines', () => {
    expectTypeOf(createMemoryStorage()).toMatchTypeOf<PersistStorage>()
    expectTypeOf({
      getItem: async (_k: string) => null as string | null,
      setItem: async (_k: string, _v: string) => {},
      removeItem: async (_k: string) => {},
    }).toMatchTypeOf<PersistStorage>()
    expectTypeOf<PersistLoadResult['restored']>().toEqualTypeOf<string[]>()
  })
})
