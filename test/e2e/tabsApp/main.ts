import { configureStore, createSlice, type PayloadAction } from '@reduxjs/toolkit'
import {
  PATCHWIRE_KEY,
  patchwireMiddleware,
  patchwireReducer,
  sync,
  withPatchwire,
} from '../../../src/index'

// A page that syncs one list through the relay it was served by, sharing one
// connection with the other tabs of the browser; the test drives it through `window.tab`.
const todos = createSlice({
  name: 'todos',
  initialState: { items: [] as string[] },
  reducers: {
    added(state, action: PayloadAction<string>) {
      state.items.push(action.payload)
    },
  },
})

const room = new URLSearchParams(location.search).get('room') ?? 'tabs'
const tab = { leader: false, usesWebLocks: 'locks' in navigator, items: [] as string[] }
const mw = sync({
  room,
  url: location.origin,
  allowKeys: ['todos'],
  shareConnection: true,
  onLeadership: (leader) => {
    tab.leader = leader
  },
})
const store = configureStore({
  reducer: withPatchwire({ todos: todos.reducer, [PATCHWIRE_KEY]: patchwireReducer }),
  middleware: (gDM) => gDM().concat(patchwireMiddleware(), mw.middleware),
})

Object.assign(window, {
  tab: Object.assign(tab, {
    add: (text: string) => store.dispatch(todos.actions.added(text)),
    state: () => ({
      items: store.getState().todos.items,
      sync: store.getState().patchwire.sync[room],
    }),
  }),
})
addEventListener('pagehide', () => mw.stop())
