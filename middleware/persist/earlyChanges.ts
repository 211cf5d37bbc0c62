import { applyOps } from '../../src/applyOps'
import { diffState } from '../../src/diff'
import type { PatchOp } from '../../src/types'
import { isUnder, syncedWithin } from './syncedPaths'

/**
 * What the app changed before the load finished: per persisted top-level key,
 * the ops from its initial value to its current one (paths relative to the
 * key). Synced paths are left out: sync replays its own early changes over
 * what it restores, and a second copy here would apply them twice.
 */
export function earlyChanges(
  initial: Record<string, unknown>,
  current: Record<string, unknown>,
  keys: readonly string[],
  synced: readonly (readonly string[])[],
): Map<string, PatchOp[]> {
  const early = new Map<string, PatchOp[]>()
  for (const key of keys) {
    if (initial[key] === current[key]) continue
    const within = syncedWithin(synced, key)
    if (within === 'all') continue
    const ops = diffState(initial[key], current[key]).filter(
      (op) => !within.some((p) => isUnder(op.path, p)),
    )
    if (ops.length > 0) early.set(key, ops)
  }
  return early
}

/**
 * Lays early ops over a loaded value: the early change wins on the paths it
 * touched, the loaded value keeps everything else (appends made early land
 * after the loaded items). An op whose target the loaded value lacks cannot
 * be placed; then the whole early value wins, so the change is never lost.
 */
export function layOver(loaded: unknown, ops: readonly PatchOp[], earlyValue: unknown): unknown {
  let out = loaded
  for (const op of ops) {
    if (op.path.length === 0) {
      out = op.op === 'remove' ? undefined : op.value
      continue
    }
    try {
      out = applyOps(out, [op])
    } catch {
      // A key the early change replaced may simply be absent from what was stored.
      if (op.op !== 'replace') return earlyValue
      try {
        out = applyOps(out, [{ ...op, op: 'add' }])
      } catch {
        return earlyValue
      }
    }
  }
  return out
}
