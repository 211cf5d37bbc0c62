import type { RelayChange } from '../../../src/protocol'
import type { ConfirmedModel, VisibleStep } from '../confirmedModel'

/** The changes made again under new ids at the start, by the id they were first made under. */
export interface ReissuedCopies {
  /**
   * A relay change was offered to the model: when it is an original, its
   * copy leaves the pending queue (the rollback step to show is returned).
   */
  seen(change: RelayChange, model: ConfirmedModel): VisibleStep | undefined
  /** A pending change took a new id: a copy keeps its link to the original id. */
  renamed(from: string, to: string): void
}

/**
 * Drops a change made again under a new id (`reissue`) as soon as the
 * relay's log shows the original id: the original was applied (its
 * acknowledgement was lost), so pushing the copy would apply it twice. The
 * join replays the log after the restored sequence before anything is
 * pushed, and a change saved as pending was applied, if at all, after the
 * sequence saved with it.
 *
 * @example
 * ```ts
 * const copies = reissuedCopies(new Map([['old:4', 'tabs:x:1']]))
 * const step = copies.seen(relayChange, model)
 * ```
 */
export function reissuedCopies(copies: Map<string, string>): ReissuedCopies {
  return {
    seen(change, model) {
      const copy = copies.get(change.id)
      if (copy === undefined) return undefined
      copies.delete(change.id)
      return model.drop(copy)
    },
    renamed(from, to) {
      for (const [original, copy] of copies) if (copy === from) copies.set(original, to)
    },
  }
}
