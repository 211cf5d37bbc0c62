import type { Container } from './checkValue'
import { Batch, type PatchBatch } from './patchBatch'

/** A batch that can also roll back several changes (`createHistoryBatch`). */
export interface HistoryPatchBatch<S> extends PatchBatch<S> {
  /**
   * From now on keeps what undoes each applied change, so `rollBack` can return
   * to the state after any of them (a relay room's append that the store took
   * only in part). `dropHistory` ends it.
   */
  keepHistory(): void
  /** Rolls back the changes applied since `keepHistory` but the first `keep` of them. */
  rollBack(keep: number): void
  /** Stops keeping history: the changes applied so far stay. */
  dropHistory(): void
}

// Only the relay rolls back several changes: a subclass in a file of its own, so client
// bundles leave it out.
class HistoryBatch<S> extends Batch<S> implements HistoryPatchBatch<S> {
  /** With `keepHistory`: the undo of each earlier change applied since, oldest first. */
  private history: { rootBefore: unknown; made: Container[]; journal: unknown[] }[] | null = null

  protected override beforeChange(): void {
    if (this.history !== null && this.live) {
      this.history.push({ rootBefore: this.rootBefore, made: this.made, journal: this.journal })
    }
  }

  // The history holds the lists of the changes it keeps: the next change gets new ones.
  protected override clearUndo(): void {
    if (this.history === null) super.clearUndo()
    else {
      this.made = []
      this.journal = []
    }
  }

  keepHistory(): void {
    this.history = []
    // The change applied before stays: only later ones can be rolled back.
    this.live = false
  }

  rollBack(keep: number): void {
    const history = this.history
    if (history === null) throw new Error('rollBack needs keepHistory first.')
    for (let count = history.length + (this.live ? 1 : 0); count > keep; count--) {
      if (!this.live) {
        const last = history.pop()!
        this.rootBefore = last.rootBefore
        this.made = last.made
        this.journal = last.journal
      }
      this.undoLast()
    }
  }

  dropHistory(): void {
    this.history = null
  }

  override finish(): S {
    this.history = null
    return super.finish()
  }
}

/**
 * Starts a batch on `state` that can also roll back several changes
 * (`keepHistory`, `rollBack`): a relay room's append attempt.
 *
 * @example
 * ```ts
 * const batch = createHistoryBatch(state)
 * batch.keepHistory()
 * for (const change of attempt) batch.apply(change.ops)
 * batch.rollBack(storedCount) // what the store did not take
 * ```
 */
export function createHistoryBatch<S>(state: S): HistoryPatchBatch<S> {
  return new HistoryBatch(state)
}
