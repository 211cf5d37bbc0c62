import { configureStore, createSlice, type PayloadAction } from '@reduxjs/toolkit'
import localforage from 'localforage'
import {
  PATCHWIRE_KEY,
  patchwireMiddleware,
  patchwireReducer,
  persist,
  selectIsHydrated,
  withPatchwire,
} from '../../../src/index'

// A page persisting two top-level keys to IndexedDB, as several tabs of one
// browser share it; the test drives it through `window.app`.
const todos = createSlice({
  name: 'todos',
  initialState: { items: [] as string[] },
  reducers: {
    added(state, action: PayloadAction<string>) {
      state.items.push(action.payload)
    },
  },
})
const settings = createSlice({
  name: 'settings',
  initialState: { theme: 'light' },
  reducers: {
    themeSet(state, action: PayloadAction<string>) {
      state.theme = action.payload
    },
  },
})

const saver = persist({
  key: 'tabs-app',
  storage: localforage,
  allow: ['todos', 'settings'],
  debounceMs: 50,
})
const store = configureStore({
  reducer: withPatchwire({
    todos: todos.reducer,
    settings: settings.reducer,
    [PATCHWIRE_KEY]: patchwireReducer,
  }),
  middleware: (gDM) => gDM().prepend(saver.middleware).concat(patchwireMiddleware()),
})

Object.assign(window, {
  app: {
    addTodo: (text: string) => store.dispatch(todos.actions.added(text)),
    setTheme: (theme: string) => store.dispatch(settings.actions.themeSet(theme)),
    flush: () => saver.flush(),
    hydrated: () => selectIsHydrated(store.getState()),
    state: () => ({ todos: store.getState().todos.items, theme: store.getState().settings.theme }),
  },
})
