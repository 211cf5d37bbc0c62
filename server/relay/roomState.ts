import { createHistoryBatch, type HistoryPatchBatch } from '../../src/historyBatch'
import type { PatchOp } from '../../src/types'

type State = Record<string, unknown>

/**
 * A relay room's state, written in place between reads.
 *
 * Applying each accepted change with `applyOps` copied every container on its
 * path, so a push to one key of a room holding a 10,000-key map copied the
 * map: on a busy room most of the relay's CPU. Here the first change after a
 * read copies and later ones write into those copies, each change all or
 * nothing; an append attempt keeps what undoes its changes until the store
 * has answered, so the part it did not take is rolled back exactly.
 */
export interface RoomState {
  /** The state now, frozen (a snapshot, a join answer); later changes never write into it. */
  read(): State
  /** Starts again from `value` (a snapshot loaded from the store). */
  reset(value: State): void
  /**
   * Applies one change and returns the state after it, to be looked at (the
   * schema gate) but not kept: later changes write into it. Throws, leaving
   * the state as it was, when an op does not fit.
   */
  apply(ops: readonly PatchOp[]): State
  /** Rolls back the change `apply` just made (the schema refused it). */
  undoLast(): void
  /** Starts an append attempt: the changes applied from now on can be rolled back. */
  begin(): void
  /** Ends the attempt keeping the first `kept` changes applied since `begin`. */
  end(kept: number): void
}

// An open batch remembers every container it copied until it is read. Closing
// it after this many changes bounds that memory (a subtree replaced again and
// again would otherwise keep each old copy) at one copy per this many changes.
const CHANGES_PER_BATCH = 256

/**
 * Starts a room's state at `value` (never written).
 *
 * @example
 * ```ts
 * const state = roomState({})
 * state.begin()
 * const next = state.apply(change.ops) // gate.check(next, …)
 * state.end(1) // the store took it
 * ```
 */
export function roomState(value: State): RoomState {
  let batch: HistoryPatchBatch<State> | null = null
  let changes = 0
  let attempt = false
  const close = () => {
    if (batch === null) return
    value = batch.finish()
    batch = null
  }
  return {
    read() {
      if (attempt) throw new Error('A room state is not read during an append attempt.')
      close()
      return value
    },
    reset(next) {
      batch = null
      attempt = false
      value = next
    },
    apply(ops) {
      if (batch === null) {
        batch = createHistoryBatch(value)
        changes = 0
        if (attempt) batch.keepHistory()
      }
      batch.apply(ops)
      // Outside an attempt (changes other nodes appended) nothing rolls back: close when full.
      if (++changes >= CHANGES_PER_BATCH && !attempt) {
        close()
        return value
      }
      return batch.current
    },
    undoLast() {
      batch?.undoLast()
    },
    begin() {
      attempt = true
      batch?.keepHistory()
    },
    end(kept) {
      attempt = false
      if (batch === null) return
      batch.rollBack(kept)
      batch.dropHistory()
      if (changes >= CHANGES_PER_BATCH) close()
    },
  }
}
