import type { SyncStatus } from '../../slices/patchwireSlice'
import type { ConfirmedModel } from './confirmedModel'
import { pendingPointers } from './guarantees/pendingPaths'

/**
 * The status fields of a room's pending queue: its count, and its paths when
 * they differ from the ones last reported (a new array each time would
 * count as a change to the status slice).
 *
 * @example
 * ```ts
 * const pendingStatus = createPendingStatus(model)
 * status.set(pendingStatus())
 * ```
 */
export function createPendingStatus(model: ConfirmedModel): () => Partial<SyncStatus> {
  let shown = ''
  return () => {
    const paths = pendingPointers(model.pending)
    const key = paths.join('\n')
    if (key === shown) return { pending: model.pending.length }
    shown = key
    return { pending: model.pending.length, pendingPaths: paths }
  }
}
