import type { PatchOp, Path } from '../../src/types'
import type { OtherWrites } from './otherWrites'
import { readAt } from './paths'
import type { HistoryStep, StepEntry } from './types'

/** What undoing (or redoing) a step against the current state takes. */
export interface Inversion {
  ops: PatchOp[]
  applied: Path[]
  skipped: Path[]
  /** The step that takes this inversion back (undo's redo, redo's undo). */
  counter: StepEntry[]
}

/**
 * Restores each path of `step` in `state` to what it held before the step,
 * except a path someone else wrote (or whose parent is gone) since the
 * step's write: that one is skipped, so undo never reverts another
 * client's change. The step's paths never lie below one another, so the ops
 * apply in any order.
 */
export function invertStep(
  step: HistoryStep,
  state: unknown,
  others: OtherWrites,
  tick: number,
): Inversion {
  const out: Inversion = { ops: [], applied: [], skipped: [], counter: [] }
  for (const entry of step.entries) {
    const { path } = entry
    const parent = readAt(state, path.slice(0, -1))
    const parentIsObject =
      parent.has &&
      parent.value !== null &&
      typeof parent.value === 'object' &&
      !Array.isArray(parent.value)
    if (others.writtenSince(path, entry.tick) || (entry.had && !parentIsObject)) {
      out.skipped.push(path)
      continue
    }
    const current = readAt(state, path)
    out.applied.push(path)
    out.counter.push(
      current.has ? { path, had: true, before: current.value, tick } : { path, had: false, tick },
    )
    if (entry.had) {
      if (current.has && current.value === entry.before) continue
      out.ops.push({ op: current.has ? 'replace' : 'add', path, value: entry.before })
    } else if (current.has) out.ops.push({ op: 'remove', path })
  }
  return out
}
