import { describeValue, PatchwireError } from './errors'
import type { Change, ChangeSource } from './types'

const STRING_FIELDS = ['origin', 'ts', 'id', 'room'] as const
const SOURCES: ReadonlySet<string> = new Set(['local', 'persist', 'sync', 'stream', 'devtools'])

/**
 * Checks the envelope of a change that arrived from outside (types of `ops`,
 * `source` and the optional metadata). The ops themselves are checked when applied.
 */
// Module level, not a closure per call: the sink checks every change of every dispatch.
function fail(reason: string): never {
  throw new PatchwireError('invalid_change', `Invalid change: ${reason}.`, { reason })
}

export function assertChangeShape(value: unknown): asserts value is Change {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail(`expected an object, received ${describeValue(value)}`)
  }
  const c = value as Record<string, unknown>
  if (!Array.isArray(c.ops)) fail(`ops must be an array, received ${describeValue(c.ops)}`)
  if (typeof c.source !== 'string' || !SOURCES.has(c.source)) {
    fail(
      `source must be one of local, persist, sync, stream, devtools; received ${describeValue(c.source)}`,
    )
  }
  for (const key of STRING_FIELDS) {
    if (c[key] !== undefined && typeof c[key] !== 'string') fail(`${key} must be a string`)
  }
  if (
    c.seq !== undefined &&
    (typeof c.seq !== 'number' || !Number.isSafeInteger(c.seq) || c.seq < 0)
  ) {
    fail('seq must be a non-negative integer')
  }
}

/** True for the change sources patchwire knows. */
export function isChangeSource(value: unknown): value is ChangeSource {
  return typeof value === 'string' && SOURCES.has(value)
}
