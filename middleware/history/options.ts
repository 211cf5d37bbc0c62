import { optionError } from '../../src/optionError'
import { FORBIDDEN_SEGMENTS } from '../../src/pointer'
import { PATCHWIRE_KEY } from '../../src/withPatchwire'
import { keyPaths } from './paths'
import type { ResolvedHistoryOptions, UndoHistoryOptions } from './types'

const misuse = (option: string, expected: string, received: unknown) =>
  optionError('undoHistory', option, expected, received)

/** Checks `undoHistory`'s options and fills in every default, once. */
export function resolveHistoryOptions(options: UndoHistoryOptions): ResolvedHistoryOptions {
  if (options === null || typeof options !== 'object') throw misuse('options', 'an object', options)
  const { keys, groupMs = 500, limit = 100, statusKey = PATCHWIRE_KEY, now = Date.now } = options
  if (!(typeof groupMs === 'number' && groupMs >= 0))
    throw misuse('groupMs', 'a number >= 0', groupMs)
  if (!(Number.isSafeInteger(limit) && limit >= 1)) throw misuse('limit', 'an integer >= 1', limit)
  if (typeof now !== 'function') throw misuse('now', 'a function returning ms', now)
  if (keys !== undefined) {
    const usable = (k: unknown) =>
      typeof k === 'string' &&
      k.split('.').every((s) => s !== '' && !FORBIDDEN_SEGMENTS.has(s)) &&
      k.split('.')[0] !== statusKey
    if (!Array.isArray(keys) || keys.length === 0 || !keys.every(usable))
      throw misuse('keys', 'a non-empty array of state keys or dotted paths', keys)
  }
  return { keys: keys && keyPaths(keys), groupMs, limit, statusKey, now }
}
