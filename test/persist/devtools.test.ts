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

  function skipStore() {
    const storage = createMemoryStorage()
    const saver = persist({ storage, key: 'app', debounceMs: 600_000 })
    const store = configureStore({
      reducer: withPatchwire({ cart: cart.reducer, [PATCHWIRE_KEY]: patchwireReducer }),
      middleware: (gDM) => gDM().concat(saver.middleware, patchwireMiddleware()),
      enhancers: (gDE) => gDE().concat(instrument()),
    })
    /** Skips (or restores) the recorded action that added `item`, as the monitor's Skip button does. */
    const toggle = (item: string) => {
      const { stagedActionIds, actionsById } = store.liftedStore.getState()
      const id = stagedActionIds.find(
        (i) =>
          cart.actions.added.match(actionsById[i]?.action) &&
          actionsById[i]?.action.payload === item,
      )
      if (id === undefined) throw new Error(`no recorded action added ${item}`)
      store.liftedStore.dispatch(ActionCreators.toggleAction(id))
    }
    const stored = () => payloadOf(storage.getItem('patchwire:app:v1:cart'))
    return { store, saver, toggle, stored }
  }

  it('a skipped action is not persisted by later actions that leave the persisted keys as they were', async () => {
    const { store, saver, toggle, stored } = skipStore()
    await getStoreHub(store).whenHydrated()
    store.dispatch(cart.actions.added('one'))
    store.dispatch(cart.actions.added('two'))
    await saver.flush()
    toggle('two')
    expect(store.getState().cart.items).toEqual(['one'])
    // Actions of the app's other parts (or patchwire's own status) keep coming while DevTools skips.
    store.dispatch({ type: 'elsewhere/first' })
    store.dispatch({ type: 'elsewhere/second' })
    await saver.stop()
    expect(stored()).toEqual({ items: ['one', 'two'] })
  })

  it('an action restored after a skip is not written again', async () => {
    const { store, saver, toggle, stored } = skipStore()
    await getStoreHub(store).whenHydrated()
    store.dispatch(cart.actions.added('one'))
    store.dispatch(cart.actions.added('two'))
    await saver.flush()
    const written = stored()
    toggle('two')
    store.dispatch({ type: 'elsewhere/first' })
    toggle('two')
    store.dispatch({ type: 'elsewhere/second' })
    expect(store.getState().cart.items).toEqual(['one', 'two'])
    const savedAt = store.getState().patchwire.persist.app?.lastSavedAt
    await saver.flush()
    expect(store.getState().patchwire.persist.app?.lastSavedAt).toBe(savedAt)
    expect(stored()).toEqual(written)
  })

  it('after a skip, a real change to a persisted key stores the live state DevTools goes on from', async () => {
    const { store, saver, toggle, stored } = skipStore()
    await getStoreHub(store).whenHydrated()
    store.dispatch(cart.actions.added('one'))
    store.dispatch(cart.actions.added('two'))
    await saver.flush()
    toggle('two')
    store.dispatch({ type: 'elsewhere/first' })
    store.dispatch(cart.actions.added('three'))
    await saver.stop()
    expect(stored()).toEqual({ items: ['one', 'three'] })
  })
})
