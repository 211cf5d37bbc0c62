import { assertChangeShape } from '../../../src/changeShape'
import { checkOp } from '../../../src/checkOp'
import type { ChangeInput, PatchOp } from '../../../src/types'

/**
 * Runs, in the worker, the checks the sink would run on the main thread that need no
 * state: the change's envelope and `checkOp` on every op (op names, path segments,
 * JSON-only values without forbidden keys). Paths become segment arrays. Returns false
 * when any check fails: such a change crosses unvouched, and the sink checks it (and
 * refuses it, with the same reason as in-thread) itself.
 */
export function checkInWorker(changes: readonly ChangeInput[]): boolean {
  try {
    for (const change of changes) {
      assertChangeShape(change)
      const ops = change.ops as PatchOp[]
      for (let i = 0; i < ops.length; i++) {
        const op = ops[i]!
        op.path = checkOp(op)
      }
    }
    return true
  } catch {
    return false
  }
}
