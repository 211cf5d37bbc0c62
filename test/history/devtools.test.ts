import { ActionCreators, instrument } from '@redux-devtools/instrument'
import { configureStore } from '@reduxjs/toolkit'
import { describe, expect, it } from 'vitest'
import { undoHistory } from '../../middleware/history/undoHistory'
import { patchwireMiddleware } from '../../middleware/patchwireMiddleware'
import { patchwireReducer } from '../../slices/patchwireSlice'
import { applyPatch } from '../../src/actions'
import { undo } from '../../src/historyActions'
import { PATCHWIRE_KEY, withPatchwire } from '../../src/withPatchwire'
import { board, note } from './helpers'

function instrumented() {
  const history = undoHistory()
  return configureStore({
    reducer: withPatchwire({
      board: board.reducer,
      note: note.reducer,
      [PATCHWIRE_KEY]: patchwireReducer,
    }),
    middleware: (gDM) => gDM().concat(patchwireMiddleware(), history.middleware),
    enhancers: (gDE) => gDE().concat(instrument()),
  })
}

describe('undo under Redux DevTools', () => {
  it('the undo is logged as an applyPatch marked undo', () => {
    const store = instrumented()
    store.dispatch(note.actions.typed('x'))
    store.dispatch(undo())
    const logged = Object.values(store.liftedStore.getState().actionsById).map((a) => a.action)
    const patch = logged.find((a) => applyPatch.match(a))
    expect(patch?.meta).toMatchObject({ history: 'undo' })
    expect(store.getState().note.text).toBe('')
  })

  it('an undo dispatched while a past state is shown restores the live state', () => {
    const store = instrumented()
    store.dispatch(note.actions.typed('x'))
    store.liftedStore.dispatch(ActionCreators.jumpToState(0))
    expect(store.getState().note.text).toBe('')
    store.dispatch(undo())
    store.liftedStore.dispatch(
      ActionCreators.jumpToState(store.liftedStore.getState().computedStates.length - 1),
    )
    expect(store.getState().note.text).toBe('')
  })
})
