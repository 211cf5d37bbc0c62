import type { MiddlewareAPI } from '@reduxjs/toolkit'
import { applyPatch } from '../../src/actions'
import type { ChangeInput } from '../../src/types'
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
   */
  apply(changes: ChangeInput[], checked?: boolean): void
}

/** The store as a stream's sink: each batch is one `applyPatch` (auto-batched). */
export function storeSink(api: MiddlewareAPI, statusKey: string | undefined): StreamSink {
  return {
    getState: api.getState,
    statusKey: statusKey ?? PATCHWIRE_KEY,
    apply: (changes, checked) => {
      const action = applyPatch({ changes }, { RTK_autoBatch: true })
      // The creator copies the list (its changes stay as they are): the copy is what the reducer sees.
      if (checked) vouchChecked(action.payload.changes)
      api.dispatch(action)
    },
  }
}
