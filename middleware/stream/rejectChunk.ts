import type { Dispatch } from '@reduxjs/toolkit'
import { countersIncremented } from '../../slices/patchwireSlice'
import { patchRejected, type RejectionReason } from '../../src/actions'
import type { Change, PatchIssue } from '../../src/types'

/** Why a stream chunk was refused before it reached the sink. */
export type ChunkRejectionReason = Extract<RejectionReason, 'parse' | 'bad_request'>

/**
 * Reports a chunk that could not become a change (not JSON, or not a chunk
 * shape): a `patchRejected` at the client stage plus the `parseErrors` counter.
 * Shared by the in-thread pump and the worker's batches, so both report alike.
 */
export function rejectChunk(
  dispatch: Dispatch,
  at: number,
  id: string | undefined,
  reason: ChunkRejectionReason,
  issue: PatchIssue,
): void {
  const change: Change = { source: 'stream', ops: [] }
  if (id !== undefined) change.id = id
  dispatch(
    patchRejected({ change, source: 'stream', reason, issues: [issue], stage: 'client', at }),
  )
  dispatch(countersIncremented({ parseErrors: 1 }))
}
