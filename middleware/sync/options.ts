import { optionError } from '../../src/optionError'
import { SERVER_ORIGIN_PREFIX } from '../../src/protocol'
import { TAB_GROUP } from '../../src/tabClientIds'
import type { ChangeSource } from '../../src/types'
import { PATCHWIRE_KEY } from '../../src/withPatchwire'
import { checkGuaranteeOptions } from './guarantees/guaranteeOptions'
import type { SyncOptions } from './types'

type Defaulted =
  | 'mode'
  | 'schemaVersion'
  | 'batchMs'
  | 'statusThrottleMs'
  | 'pushSources'
  | 'statusKey'
  | 'now'

/** `SyncOptions` with every default filled in: what the sync layers read, never the raw options. */
export type ResolvedSyncOptions = Omit<SyncOptions, Defaulted> &
  Required<Pick<SyncOptions, Defaulted>>

const MODES = new Set(['primary', 'readOnly', 'peer'])
const DEFAULT_PUSH_SOURCES: readonly ChangeSource[] = ['local', 'devtools']

const misuse = (option: string, expected: string, received: unknown) =>
  optionError('sync', option, expected, received)

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
 * Checks `sync`'s options (throwing at setup on misuse, naming the option)
 * and fills in every default, once.
 *
 * @example
 * ```ts
 * const options = resolveSyncOptions({ url, room: 'team-1', allowKeys: ['todos'] })
 * options.batchMs // 0
 * ```
 */
export function resolveSyncOptions(options: SyncOptions): ResolvedSyncOptions {
  checkOptions(options)
  checkGuaranteeOptions(options)
  return {
    ...options,
    mode: options.mode ?? 'primary',
    schemaVersion: options.schemaVersion ?? 1,
    batchMs: options.batchMs ?? 0,
    statusThrottleMs: options.statusThrottleMs ?? 50,
    // Relay changes are never pushed back, whatever the list says.
    pushSources: (options.pushSources ?? DEFAULT_PUSH_SOURCES).filter((s) => s !== 'sync'),
    statusKey: options.statusKey ?? PATCHWIRE_KEY,
    now: options.now ?? Date.now,
  }
}
