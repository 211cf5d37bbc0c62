import { optionError } from '../../src/optionError'
import { PATCHWIRE_KEY } from '../../src/withPatchwire'
import type { PersistOptions } from './types'

type Defaulted =
  | 'version'
  | 'migrate'
  | 'debounceMs'
  | 'maxWaitMs'
  | 'loadTimeoutMs'
  | 'saveTimeoutMs'
  | 'serialize'
  | 'deserialize'
  | 'crossTab'
  | 'notifyTabs'
  | 'writerId'
  | 'statusKey'
  | 'now'

/** `PersistOptions` with every default filled in. */
export type ResolvedPersistOptions = Omit<PersistOptions, Defaulted> &
  Required<Pick<PersistOptions, Defaulted>>

const misuse = (option: string, expected: string, received: unknown) =>
  optionError('persist', option, expected, received)

function nonNegative(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !(value >= 0)) throw misuse(option, 'a number ≥ 0', value)
  return value
}

function randomWriterId(): string {
  const bytes = new Uint8Array(6)
  globalThis.crypto.getRandomValues(bytes)
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

/** Checks the options (throwing at setup on misuse, naming the option) and fills in defaults. */
export function resolvePersistOptions(options: PersistOptions): ResolvedPersistOptions {
  if (options === null || typeof options !== 'object') throw misuse('options', 'an object', options)
  const { storage } = options
  for (const method of ['getItem', 'setItem', 'removeItem'] as const) {
    if (typeof (storage as unknown as Record<string, unknown> | undefined)?.[method] !== 'function')
      throw misuse(
        'storage',
        `an object with getItem, setItem and removeItem (${method} is missing)`,
        storage,
      )
  }
  if (typeof options.key !== 'string' || options.key.length === 0 || options.key.includes(':'))
    throw misuse('key', 'a non-empty string without ":"', options.key)
  const version = options.version ?? 1
  if (!Number.isInteger(version) || version < 0) throw misuse('version', 'an integer ≥ 0', version)
  if (
    options.crossTab !== undefined &&
    options.crossTab !== 'adopt' &&
    options.crossTab !== 'overwrite'
  )
    throw misuse('crossTab', "'adopt' or 'overwrite'", options.crossTab)
  const migrate = options.migrate ?? {}
  for (const [from, fn] of Object.entries(migrate)) {
    if (!Number.isInteger(Number(from)) || typeof fn !== 'function')
      throw misuse(`migrate.${from}`, 'a function keyed by an integer version', fn)
  }
  // Stored entries carry the writer id inside a clock timestamp, where "-" separates fields.
  const writerId = options.writerId ?? randomWriterId()
  if (typeof writerId !== 'string' || writerId.length === 0 || writerId.includes('-'))
    throw misuse('writerId', 'a non-empty string without "-"', writerId)
  return {
    ...options,
    version,
    migrate,
    debounceMs: nonNegative('debounceMs', options.debounceMs, 250),
    maxWaitMs: nonNegative('maxWaitMs', options.maxWaitMs, 1000),
    loadTimeoutMs: nonNegative('loadTimeoutMs', options.loadTimeoutMs, 10_000),
    saveTimeoutMs: nonNegative('saveTimeoutMs', options.saveTimeoutMs, 10_000),
    serialize: options.serialize ?? JSON.stringify,
    deserialize: options.deserialize ?? JSON.parse,
    crossTab: options.crossTab ?? 'adopt',
    notifyTabs: options.notifyTabs ?? false,
    writerId,
    statusKey: options.statusKey ?? PATCHWIRE_KEY,
    now: options.now ?? Date.now,
  }
}
