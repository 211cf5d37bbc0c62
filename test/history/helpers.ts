import { configureStore, createSlice, type Middleware, type PayloadAction } from '@reduxjs/toolkit'
import type { UndoHistoryOptions } from '../../middleware/history/types'
import { undoHistory } from '../../middleware/history/undoHistory'
import { patchwireMiddleware } from '../../middleware/patchwireMiddleware'
import { patchwireReducer } from '../../slices/patchwireSlice'
import { type HistoryResult, redo, undo } from '../../src/historyActions'
import { PATCHWIRE_KEY, withPatchwire } from '../../src/withPatchwire'

export const board = createSlice({
  name: 'board',
  initialState: {
    cards: {} as Record<string, { title: string; done: boolean }>,
    tags: [] as string[],
  },
  reducers: {
    cardSet(state, action: PayloadAction<{ id: string; title: string }>) {
      const card = state.cards[action.payload.id]
      if (card) card.title = action.payload.title
      else state.cards[action.payload.id] = { title: action.payload.title, done: false }
    },
    cardDone(state, action: PayloadAction<string>) {
      const card = state.cards[action.payload]
      if (card) card.done = true
    },
    cardRemoved(state, action: PayloadAction<string>) {
      delete state.cards[action.payload]
    },
    tagged(state, action: PayloadAction<string>) {
      state.tags.push(action.payload)
    },
  },
})

export const note = createSlice({
  name: 'note',
  initialState: { text: '' },
  reducers: {
    typed(state, action: PayloadAction<string>) {
      state.text = action.payload
    },
  },
})

/** A manual clock for grouping. */
export function manualClock(start = 1_000) {
  let t = start
  return { now: () => t, advance: (ms: number) => (t += ms) }
}

/** A store with the history middleware (after `before`, e.g. sync or persist). */
export function makeHistoryStore(options: UndoHistoryOptions = {}, before: Middleware[] = []) {
  const history = undoHistory(options)
  const store = configureStore({
    reducer: withPatchwire({
      board: board.reducer,
      note: note.reducer,
      [PATCHWIRE_KEY]: patchwireReducer,
    }),
    middleware: (gDM) => gDM().concat(patchwireMiddleware(), ...before, history.middleware),
  })
  return {
    store,
    history,
    undo: () => store.dispatch(undo()) as unknown as HistoryResult,
    redo: () => store.dispatch(redo()) as unknown as HistoryResult,
  }
}
