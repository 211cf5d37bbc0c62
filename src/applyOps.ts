import { createPatchBatch } from './patchBatch'
import type { PatchOp } from './types'

export { checkValue } from './checkValue'

/**
 * Applies ops to an immutable state and returns the new state.
 *
 * All or nothing: the input is never mutated, so if any op throws a
 * `PatchwireError` the caller still holds the untouched state. Containers on the
 * changed paths are copied once per call (however many ops touch them) and
 * frozen; every other subtree keeps its identity. To apply many changes, each
 * atomically, with one copy per container, use `createPatchBatch`.
 *
 * @example
 * ```ts
 * const next = applyOps(state, [{ op: 'add', path: ['todos', '-'], value: { title: 'milk' } }])
 * ```
 */
export function applyOps<S>(state: S, ops: readonly PatchOp[]): S {
  const batch = createPatchBatch(state)
  batch.apply(ops)
  return batch.finish()
}
