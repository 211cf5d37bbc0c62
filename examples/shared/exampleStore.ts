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
import { DEVTOOLS_MODE, monitor } from './exampleDevTools'

/**
 * The store every example builds: its slices plus the status slice behind
 * `withPatchwire` with the app's schema, the core middleware, a traffic log
 * for the debugger, the app's transports, and Redux DevTools: the browser
 * extension with patchwire's presets when it is installed, else the Inspector
 * monitor's recording when the page asks for it (`?devtools=1`).
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
    // The presets are the extension's options; the in-page monitor has no sanitizer
    // or deny-list, so it records every action (its filter box narrows the list).
    devTools: DEVTOOLS_MODE === 'extension' && {
      name: document.title,
      ...patchwireDevTools({ deny: ['patchwire/syncStatusChanged'] }),
    },
    // Last in the chain, so it wraps the store inside the middleware enhancer: middleware sees
    // real dispatches only, never the monitor's jumps and skips.
    enhancers: (gDE) => (monitor ? gDE().concat(monitor.instrumentForMonitor()) : gDE()),
  })
  // The reducer map is assembled at run time; its state is the slices' plus the status slice.
  return store as unknown as EnhancedStore<S & { [PATCHWIRE_KEY]: PatchwireStatusState }>
}
