import { ActionCreators, instrument } from '@redux-devtools/instrument'
import { configureStore } from '@reduxjs/toolkit'
import { describe, expect, it } from 'vitest'
import { getStoreHub } from '../../middleware/storeHub'
import {
  createMemoryStorage,
  PATCHWIRE_KEY,
  patchwireMiddleware,
  patchwireReducer,
  persist,
  withPatchwire,
} from '../../src/index'
import { cart, payloadOf } from './helpers'

describe('persist under Redux DevTools', () => {
  it('does not persist a state reached by time travel', async () => {
    const storage = createMemoryStorage()
    const saver = persist({ storage, key: 'app', debounceMs: 600_000 })
    const store = configureStore({
      reducer: withPatchwire({ cart: cart.reducer, [PATCHWIRE_KEY]: patchwireReducer }),
      middleware: (gDM) => gDM().concat(saver.middleware, patchwireMiddleware()),
      enhancers: (gDE) => gDE().concat(instrument()),
    })
    await getStoreHub(store).whenHydrated()
    store.dispatch(cart.actions.added('one'))
    store.dispatch(cart.actions.added('two'))
    await saver.flush()
    store.liftedStore.dispatch(ActionCreators.jumpToState(0))
    expect(store.getState().cart.items).toEqual([])
    await saver.stop()
    expect(payloadOf(storage.getItem('patchwire:app:v1:cart'))).toEqual({ items: ['one', 'two'] })
  })

  it('persists the live state when an action is dispatched while a past state is shown', async () => {
    const storage = createMemoryStorage()
    const saver = persist({ storage, key: 'app', debounceMs: 600_000 })
    const store = configureStore({
      reducer: withPatchwire({ cart: cart.reducer, [PATCHWIRE_KEY]: patchwireReducer }),
      middleware: (gDM) => gDM().concat(saver.middleware, patchwireMiddleware()),
      enhancers: (gDE) => gDE().concat(instrument()),
    })
    await getStoreHub(store).whenHydrated()
    store.dispatch(cart.actions.added('one'))
    store.dispatch(cart.actions.added('two'))
    const past = store.liftedStore
      .getState()
      .computedStates.findIndex(
        (s) => (s.state as { cart: { items: string[] } }).cart.items.length === 1,
      )
    store.liftedStore.dispatch(ActionCreators.jumpToState(past))
    expect(store.getState().cart.items).toEqual(['one'])
    // A real action while travelling: reduced on the live state, which is what a reload must restore.
    store.dispatch(cart.actions.added('three'))
    await saver.stop()
    expect(payloadOf(storage.getItem('patchwire:app:v1:cart'))).toEqual({
      items: ['one', 'two', 'three'],
    })
  })
})
