import type { MiddlewareAPI } from '@reduxjs/toolkit'
import { type ApplyPatchAction, type ApplyPatchMeta, applyPatch } from '../../src/actions'
import type { Change, ChangeInput } from '../../src/types'
import { vouchChecked } from '../../src/vouchedChanges'
import { PATCHWIRE_KEY } from '../../src/withPatchwire'

/**
 * Where a stream's changes land. The `stream` middleware's sink is the store
 * (one `applyPatch` per batch); `streamIntoCache` lands them in an RTK Query
 * cache entry instead, with the same connection loop, backoff and status.
 */
export interface StreamSink {
  /** The state chunks are read against (a `replace` chunk looks at its parent). */
  getState(): unknown
  /** The key a root `replace` chunk leaves alone, or `null` when the target's root is its own. */
  statusKey: string | null
  /**
   * Applies one batch: every change in stream order, each atomically. `checked` says
   * every change came checked from the stream's own worker (see `vouchChecked`).
   * `notifiedAfter` says the caller dispatches a notifying action (the batch's status)
   * right after, in the same task, so subscribers need no notification of their own
   * at the next frame.
   */
  apply(changes: ChangeInput[], checked?: boolean, notifiedAfter?: boolean): void
}

/**
 * The store as a stream's sink: each batch is one `applyPatch`, auto-batched
 * (`meta.RTK_autoBatch`: RTK's `autoBatchEnhancer` notifies subscribers once,
 * at the next frame) unless the caller notifies them right after anyway. A
 * batch from the stream worker is a message task of its own that ends with the
 * batch's status dispatch, which notifies: the flag would only add a frame on
 * the main thread for each batch, to notify again of nothing new.
 */
export function storeSink(api: MiddlewareAPI, statusKey: string | undefined): StreamSink {
  return {
    getState: api.getState,
    statusKey: statusKey ?? PATCHWIRE_KEY,
    apply: (changes, checked, notifiedAfter) => {
      const meta: ApplyPatchMeta = notifiedAfter ? {} : { RTK_autoBatch: true }
      if (!checked) {
        api.dispatch(applyPatch({ changes }, meta))
        return
      }
      // Checked changes already hold their paths as segments, so the creator's pass that
      // turns JSON Pointer strings into segments would change nothing: the action is built
      // as the creator builds it, on a copy of the list, and the copy is vouched for.
      const action: ApplyPatchAction = {
        type: applyPatch.type,
        payload: { changes: changes.slice() as Change[] },
        meta,
      }
      vouchChecked(action.payload.changes)
      api.dispatch(action)
    },
  }
}
