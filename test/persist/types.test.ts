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
  persistFlush,
  persistStop,
  withPatchwire,
} from '../../src/index'
import { cart } from './helpers'

describe('persist types', () => {
  it('types dispatch(persistFlush()) as a promise when persist is prepended', async () => {
    const saver = persist({ storage: createMemoryStorage(), key: 'types' })
    const store = configureStore({
      reducer: withPatchwire({ cart: cart.reducer, [PATCHWIRE_KEY]: patchwireReducer }),
      middleware: (gDM) => gDM().prepend(saver).concat(patchwireMiddleware()),
    })
    const flushed = store.dispatch(persistFlush())
    expectTypeOf(flushed).toEqualTypeOf<Promise<void>>()
    await flushed
    await store.dispatch(persistStop())
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
