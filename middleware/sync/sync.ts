import type { Dispatch, Middleware, MiddlewareAPI } from '@reduxjs/toolkit'
import { optionError } from '../../src/optionError'
import { setPresence } from '../../src/presenceActions'
import { SERVER_ORIGIN_PREFIX } from '../../src/protocol'
import { TAB_GROUP, tabClientId } from '../../src/tabClientIds'
import type { ChangeSource } from '../../src/types'
import { liveTransition, PATCHWIRE_KEY } from '../../src/withPatchwire'
import { installOnce } from '../installOnce'
import { getStoreHub } from '../storeHub'
import { parseAllowKeys } from './allowedPaths'
import { checkGuaranteeOptions } from './guarantees/guaranteeOptions'
import { shareSocket } from './leader/index'
import { createPeerController } from './peerController'
import { createRelayController } from './relayController'
import { routeChanges } from './routeChanges'
import { createStatusReporter } from './statusReporter'
import type { SyncController } from './syncController'
import { createRelaySocket } from './transports/socketIo'
import type { RelaySocket, SyncInstance, SyncOptions } from './types'

const MODES = new Set(['primary', 'readOnly', 'peer'])
const DEFAULT_PUSH_SOURCES: readonly ChangeSource[] = ['local', 'devtools']

const misuse = (option: string, expected: string, received: unknown) =>
  optionError('sync', option, expected, received)

function randomClientId(): string {
  // Hex only: the id ends up in HLC timestamps, where '-' separates fields.
  return globalThis.crypto.randomUUID().replace(/-/g, '').slice(0, 16)
}

function checkOptions(options: SyncOptions): void {
  if (options === null || typeof options !== 'object') throw misuse('options', 'an object', options)
  if (typeof options.room !== 'string' || options.room.length === 0)
    throw misuse('room', 'a non-empty string', options.room)
  const mode = options.mode ?? 'primary'
  if (!MODES.has(mode)) throw misuse('mode', "'primary', 'readOnly' or 'peer'", mode)
  if (mode !== 'peer' && !options.socket && typeof options.url !== 'string')
    throw misuse('socket', 'a socket.io-client socket (or give url)', options.socket)
  if (
    options.clientId !== undefined &&
    (typeof options.clientId !== 'string' || !/^[A-Za-z0-9_.:]+$/.test(options.clientId))
  ) {
    throw misuse('clientId', 'letters, digits, "_", "." or ":" (no "-")', options.clientId)
  }
  // The relay refuses such a join: its ids would pass for the relay's server-side writers'.
  if (
    typeof options.clientId === 'string' &&
    `${options.clientId}:`.startsWith(SERVER_ORIGIN_PREFIX)
  ) {
    throw misuse(
      'clientId',
      `neither "server" nor "${SERVER_ORIGIN_PREFIX}…" (reserved for the relay's server-side writers)`,
      options.clientId,
    )
  }
  // The relay refuses every change id directly under the shared connections' group.
  if (options.clientId === TAB_GROUP)
    throw misuse(
      'clientId',
      `an id other than "${TAB_GROUP}" (shared connections join under it)`,
      options.clientId,
    )
  if (options.batchMs !== undefined && !(options.batchMs >= 0))
    throw misuse('batchMs', 'a number >= 0', options.batchMs)
  checkRendered(options)
}

function checkRendered({ rendered, mode }: SyncOptions): void {
  if (rendered === undefined) return
  if (mode === 'peer') throw misuse('rendered', "undefined in mode 'peer' (no relay)", rendered)
  if (rendered === null || typeof rendered !== 'object')
    throw misuse('rendered', 'an object { seq, state? }', rendered)
  if (!Number.isSafeInteger(rendered.seq) || rendered.seq < 0)
    throw misuse('rendered.seq', 'an integer >= 0', rendered.seq)
  const { state } = rendered
  if (state !== undefined && (state === null || typeof state !== 'object' || Array.isArray(state)))
    throw misuse('rendered.state', 'an object (the room state) or undefined', state)
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
  checkOptions(options)
  checkGuaranteeOptions(options)
  const statusKey = options.statusKey ?? PATCHWIRE_KEY
  const paths = parseAllowKeys(options.allowKeys, statusKey)
  const pushSources = new Set(options.pushSources ?? DEFAULT_PUSH_SOURCES)
  pushSources.delete('sync')
  let controller: SyncController | undefined
  let ownSocket: RelaySocket | undefined
  let stopped = false
  const install = installOnce('sync', options.room)

  const middleware: Middleware = (api) => {
    install(api)
    const store = api as MiddlewareAPI<Dispatch>
    const hub = getStoreHub(api)
    // persist must not adopt another tab's stored copy of these: sync delivers them.
    hub.addSyncedPaths(paths)
    const status = createStatusReporter(
      options.room,
      (action) => store.dispatch(action),
      options.statusThrottleMs ?? 50,
      options.onStatus,
    )
    const deps = {
      api: store,
      hub,
      options,
      paths,
      status,
      randomId: options.shareConnection ? () => tabClientId(randomClientId()) : randomClientId,
    }
    let own: SyncController
    if (options.mode === 'peer') own = createPeerController(deps)
    else {
      if (!options.socket && !ownSocket) {
        const open = () => createRelaySocket(options.url as string, options.auth)
        ownSocket = options.shareConnection ? shareSocket(options, open) : open()
      }
      const socket = (options.socket ?? ownSocket) as RelaySocket
      own = createRelayController({ ...deps, socket })
    }
    controller = own
    // A stop() that came first (a store torn down while it was built) wins.
    if (stopped) stop()
    return (next) => (action) => {
      if (setPresence.match(action)) {
        const { room, value } = action.payload
        if (room === undefined || room === options.room) own.setPresence?.(value)
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
