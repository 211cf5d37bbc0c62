import type { SyncStatus } from '../../slices/patchwireSlice'
import type { ConfirmedModel } from './confirmedModel'

/**
 * The status fields of a room's pending queue: its count, and its paths when
 * they differ from the ones last reported (the model keeps one array per set
 * of pointers, so the same array means the same paths).
 *
 * @example
 * ```ts
 * const pendingStatus = createPendingStatus(model)
 * status.set(pendingStatus())
 * ```
 */
export function createPendingStatus(model: ConfirmedModel): () => Partial<SyncStatus> {
  let shown: readonly string[] | undefined
  return () => {
    const paths = model.pendingPaths
    if (paths === shown) return { pending: model.pending.length }
    shown = paths
    return { pending: model.pending.length, pendingPaths: [...paths] }
  }
}
