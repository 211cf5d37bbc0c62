import type { Dispatch, Middleware, MiddlewareAPI } from '@reduxjs/toolkit'
import { setPresence } from '../../src/presenceActions'
import { tabClientId } from '../../src/tabClientIds'
import { liveTransition } from '../../src/withPatchwire'
import { installOnce } from '../installOnce'
import { getStoreHub } from '../storeHub'
import { parseAllowKeys } from './allowedPaths'
import { shareSocket } from './leader/index'
import { resolveSyncOptions } from './options'
import { createPeerController } from './peerController'
import { createRelayController } from './relayController'
import { routeChanges } from './routeChanges'
import { createStatusReporter } from './statusReporter'
import type { SyncController } from './syncController'
import { createRelaySocket } from './transports/socketIo'
import type { RelaySocket, SyncInstance, SyncOptions } from './types'

function randomClientId(): string {
  // Hex only: the id ends up in HLC timestamps, where '-' separates fields.
  return globalThis.crypto.randomUUID().replace(/-/g, '').slice(0, 16)
}

/**
 * The sync middleware: shares the `allowKeys` part of the state with every
 * client in `room` through a patchwire relay (or, in peer mode, with other tabs).
 *
 * Local changes to synced keys are diffed by reference after the reducer ran,
 * stamped with an id and a hybrid logical clock timestamp, shown at once and
 * pushed; the relay's ordered changes arrive as `applyPatch` with source
 * `'sync'`, rebased over the changes it has not confirmed yet. What is pushed
 * is decided per change: in an `applyPatch`, changes whose source is `'sync'`,
 * `'persist'` or `'stream'` are not pushed (unless listed in `pushSources`;
 * `'sync'` never is), while the batch's other changes are. An action
 * dispatched while DevTools shows a past state is diffed against the live
 * state. Status goes to the `patchwire` slice, and so does the room's
 * presence: `setPresence(value)` is sent to the relay's presence channel
 * (kept alive by heartbeats, never part of the synced state).
 *
 * @example
 * ```ts
 * const team = sync({ url: 'http://localhost:4000', room: 'team-1', allowKeys: ['todos'] })
 * const store = configureStore({
 *   reducer: withPatchwire({ todos: todos.reducer }),
 *   middleware: (gDM) => gDM().concat(patchwireMiddleware(), team.middleware),
 * })
 * team.stop() // teardown
 * ```
 */
export function sync(options: SyncOptions): SyncInstance {
  const resolved = resolveSyncOptions(options)
  const paths = parseAllowKeys(resolved.allowKeys, resolved.statusKey)
  const pushSources = new Set(resolved.pushSources)
  let controller: SyncController | undefined
  let ownSocket: RelaySocket | undefined
  let stopped = false
  const install = installOnce('sync', resolved.room)

  const middleware: Middleware = (api) => {
    install(api)
    const store = api as MiddlewareAPI<Dispatch>
    const hub = getStoreHub(api)
    // persist must not adopt another tab's stored copy of these: sync delivers them.
    hub.addSyncedPaths(paths)
    const status = createStatusReporter(
      resolved.room,
      (action) => store.dispatch(action),
      resolved.statusThrottleMs,
      resolved.onStatus,
    )
    const deps = {
      api: store,
      hub,
      options: resolved,
      paths,
      status,
      randomId: resolved.shareConnection ? () => tabClientId(randomClientId()) : randomClientId,
    }
    let own: SyncController
    if (resolved.mode === 'peer') own = createPeerController(deps)
    else {
      if (!resolved.socket && !ownSocket) {
        const open = () => createRelaySocket(resolved.url as string, resolved.auth)
        ownSocket = resolved.shareConnection ? shareSocket(resolved, open) : open()
      }
      const socket = (resolved.socket ?? ownSocket) as RelaySocket
      own = createRelayController({ ...deps, socket })
    }
    controller = own
    // A stop() that came first (a store torn down while it was built) wins.
    if (stopped) stop()
    return (next) => (action) => {
      if (setPresence.match(action)) {
        const { room, value } = action.payload
        if (room === undefined || room === resolved.room) own.setPresence?.(value)
        return next(action)
      }
      const confirm = own.begin?.(action)
      const prev = api.getState()
      const result = next(action)
      const { from, to } = liveTransition(action, prev, api.getState())
      if (from !== to) routeChanges(action, from, to, pushSources, own)
      return confirm ? confirm() : result
    }
  }

  function stop(): void {
    stopped = true
    controller?.stop()
    controller = undefined
    ownSocket?.disconnect()
  }

  return { middleware, stop }
}
