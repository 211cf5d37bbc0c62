import {
  configureStore,
  type EnhancedStore,
  type Middleware,
  type Reducer,
  type ReducersMapObject,
} from '@reduxjs/toolkit'
import {
  type AnySchema,
  PATCHWIRE_KEY,
  type PatchwireStatusState,
  patchwireDevTools,
  patchwireMiddleware,
  type RelaySocket,
  withPatchwire,
} from 'patchwire'
import { patchwireTrafficLog } from 'patchwire/react'

/**
 * The store every example builds: its slices plus the status slice behind
 * `withPatchwire` with the app's schema, the core middleware, a traffic log
 * for the debugger, the app's transports, and the DevTools presets.
 */
export function exampleStore<S extends Record<string, unknown>>(options: {
  reducers: { [K in keyof S]: Reducer<S[K]> }
  schema: AnySchema
  transports: Middleware[]
  /** Sockets whose pushes the debugger lists. */
  sockets?: RelaySocket[]
  /** The state a server render embedded (the SSR example). */
  preloadedState?: Partial<S>
}): EnhancedStore<S & { [PATCHWIRE_KEY]: PatchwireStatusState }> {
  const store = configureStore({
    // withPatchwire mounts the status slice beside the app's reducers.
    reducer: withPatchwire(options.reducers as ReducersMapObject, { schema: options.schema }),
    ...(options.preloadedState ? { preloadedState: options.preloadedState } : {}),
    middleware: (gDM) =>
      gDM().concat(
        patchwireMiddleware({ onPatchRejected: (r) => console.warn('patchwire rejected', r) }),
        patchwireTrafficLog({ size: 300, sockets: options.sockets ?? [] }),
        ...options.transports,
      ),
    devTools: {
      name: document.title,
      ...patchwireDevTools({ deny: ['patchwire/syncStatusChanged'] }),
    },
  })
  // The reducer map is assembled at run time; its state is the slices' plus the status slice.
  return store as unknown as EnhancedStore<S & { [PATCHWIRE_KEY]: PatchwireStatusState }>
}
