import { diffState } from '../../src/diff'
import type { PatchOp } from '../../src/types'
import { readAt } from './paths'
import type { ResolvedHistoryOptions } from './types'

/**
 * The ops a change made to the recorded part of the state: a diff by
 * reference, so it costs what changed, scoped to `keys` (or every key but the
 * status slice).
 */
export function recordedOps(
  from: unknown,
  to: unknown,
  { keys, statusKey }: Pick<ResolvedHistoryOptions, 'keys' | 'statusKey'>,
): PatchOp[] {
  const ops: PatchOp[] = []
  if (keys) {
    for (const path of keys) {
      const a = readAt(from, path).value
      const b = readAt(to, path).value
      if (a !== b) ops.push(...diffState(a, b, [...path]))
    }
    return ops
  }
  const a = (from ?? {}) as Record<string, unknown>
  const b = (to ?? {}) as Record<string, unknown>
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (key === statusKey || a[key] === b[key]) continue
    ops.push(...diffState(a[key], b[key], [key]))
  }
  return ops
}
