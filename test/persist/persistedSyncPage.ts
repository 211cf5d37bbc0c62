import { configureStore } from '@reduxjs/toolkit'
import { sync } from '../../middleware/sync/sync'
import {
  PATCHWIRE_KEY,
  type PersistOptions,
  type PersistStorage,
  patchwireMiddleware,
  patchwireReducer,
  persist,
  withPatchwire,
} from '../../src/index'
import { type ClientSocket, draft, settings, todos } from '../sync/helpers'

/**
 * One page load of an app with persist and sync: the todos and settings
 * slices (or `allowKeys`) synced to `room` over `socket`, everything persisted
 * to `storage` under the key `app`.
 */
export function persistedSyncPage(
  storage: PersistStorage,
  socket: ClientSocket,
  options: {
    room: string
    debounceMs: number
    allowKeys?: string[]
    persist?: Omit<PersistOptions, 'storage' | 'key' | 'debounceMs'>
  },
) {
  const { room, debounceMs, allowKeys = ['todos', 'settings'] } = options
  const saver = persist({ ...options.persist, storage, key: 'app', debounceMs })
  const mw = sync({ room, allowKeys, socket })
  const store = configureStore({
    reducer: withPatchwire({
      todos: todos.reducer,
      settings: settings.reducer,
      draft: draft.reducer,
      [PATCHWIRE_KEY]: patchwireReducer,
    }),
    middleware: (gDM) =>
      gDM().prepend(saver.middleware).concat(patchwireMiddleware(), mw.middleware),
  })
  return { store, saver, mw }
}
