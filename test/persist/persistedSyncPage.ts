import { configureStore } from '@reduxjs/toolkit'
import { sync } from '../../middleware/sync/sync'
import {
  PATCHWIRE_KEY,
  type PersistStorage,
  patchwireMiddleware,
  patchwireReducer,
  persist,
  withPatchwire,
} from '../../src/index'
import { type ClientSocket, draft, settings, todos } from '../sync/helpers'

/**
 * One page load of an app with persist and sync: the todos and settings
 * slices synced to `room` over `socket`, everything persisted to `storage`
 * under the key `app`.
 */
export function persistedSyncPage(
  storage: PersistStorage,
  socket: ClientSocket,
  options: { room: string; debounceMs: number },
) {
  const saver = persist({ storage, key: 'app', debounceMs: options.debounceMs })
  const mw = sync({ room: options.room, allowKeys: ['todos', 'settings'], socket })
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
