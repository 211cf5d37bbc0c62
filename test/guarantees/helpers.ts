import { configureStore, type Middleware } from '@reduxjs/toolkit'
import { patchwireMiddleware } from '../../middleware/patchwireMiddleware'
import { sync } from '../../middleware/sync/sync'
import type { SyncOptions } from '../../middleware/sync/types'
import type { RelayOptions } from '../../server/relay/types'
import { patchwireReducer } from '../../slices/patchwireSlice'
import type { PatchRejectedPayload } from '../../src/actions'
import { PATCHWIRE_KEY, withPatchwire } from '../../src/withPatchwire'
import { draft, settings, startRelay, todos } from '../sync/helpers'

/** A store with one sync middleware, typed the way an app's is (dispatch knows `confirmed`). */
export function makeSyncedStore(
  options: SyncOptions,
  rejected: PatchRejectedPayload[] = [],
  before: Middleware[] = [],
) {
  const mw = sync(options)
  const store = configureStore({
    reducer: withPatchwire({
      todos: todos.reducer,
      settings: settings.reducer,
      draft: draft.reducer,
      [PATCHWIRE_KEY]: patchwireReducer,
    }),
    middleware: (gDM) =>
      gDM().concat(
        patchwireMiddleware({ onPatchRejected: (r) => rejected.push(r) }),
        ...before,
        mw.middleware,
      ),
  })
  return { store, mw, rejected }
}

export type GateMode = 'open' | 'hold' | 'deny'

/**
 * A relay whose writes can be held (no answer until released) or denied per
 * client name, given in the socket's handshake `auth: { name }`: a relay that
 * is slow or refuses, without timing tricks.
 */
export async function startGatedRelay(options: RelayOptions = {}) {
  const modes = new Map<string, GateMode>()
  const held: (() => void)[] = []
  const relay = await startRelay({
    ...options,
    authenticate: (handshake) => String(handshake.auth.name ?? 'anonymous'),
    authorize: (principal, _room, access) => {
      const mode = access === 'write' ? (modes.get(String(principal)) ?? 'open') : 'open'
      if (mode === 'deny') return false
      if (mode === 'hold') return new Promise<boolean>((resolve) => held.push(() => resolve(true)))
      return true
    },
  })
  const stops: (() => void)[] = []
  return {
    ...relay,
    /** A typed store syncing `room` through this relay, its socket named `name` for the gate. */
    client(options: Partial<SyncOptions> & { room: string }, name = 'anonymous') {
      const socket = options.socket ?? relay.socketFor({ auth: { name } })
      const made = makeSyncedStore({ allowKeys: ['todos', 'settings'], socket, ...options })
      stops.push(() => made.mw.stop())
      return { ...made, socket }
    },
    /** How the relay treats pushes from sockets named `name`. */
    gate(name: string, mode: GateMode) {
      modes.set(name, mode)
      if (mode !== 'hold') for (const release of held.splice(0)) release()
    },
    async stop() {
      for (const stop of stops.splice(0)) stop()
      for (const release of held.splice(0)) release()
      await relay.stop()
    },
  }
}

export type GatedRelay = Awaited<ReturnType<typeof startGatedRelay>>
