import { createPatchBatch, type PatchBatch } from '../../src/patchBatch'
import type { PatchOp } from '../../src/types'

type State = Record<string, unknown>

/**
 * A state that successive changes write in place, read as a frozen value.
 *
 * The confirmed model keeps two states of a room (the relay-confirmed base and
 * the shown state), and every relay change or local write moves one or both.
 * Applying each change with `applyOps` copies every container on its path, so
 * a change to one key of a 10,000-key map copies the map, twice per change.
 * Here the containers are copied once, by the first change after a read, and
 * later changes write into those copies (each change still all or nothing):
 * a reader that nobody asks for its base pays no copy per change.
 */
export interface OpenState {
  /** Applies one change; when an op does not fit, throws and the state is as it was. */
  apply(ops: readonly PatchOp[]): void
  /** The state now, frozen: a later change starts from a copy and never writes into it. */
  read(): State
}

// An open batch remembers every container it copied until it is read. Closing
// it after this many changes bounds that memory (a subtree replaced again and
// again would otherwise keep each old copy) at one copy per this many changes.
const CHANGES_PER_BATCH = 256

/**
 * Starts an open state at `value` (which is never written).
 *
 * @example
 * ```ts
 * const base = openState({ todos: [] })
 * base.apply([{ op: 'add', path: ['todos', '-'], value: 'milk' }])
 * base.read() // { todos: ['milk'] }, frozen
 * ```
 */
export function openState(value: State): OpenState {
  let batch: PatchBatch<State> | null = null
  let changes = 0
  const close = () => {
    if (batch === null) return
    value = batch.finish()
    batch = null
  }
  return {
    apply(ops) {
      if (batch === null) {
        batch = createPatchBatch(value)
        changes = 0
      }
      batch.apply(ops)
      if (++changes >= CHANGES_PER_BATCH) close()
    },
    read() {
      close()
      return value
    },
  }
}
