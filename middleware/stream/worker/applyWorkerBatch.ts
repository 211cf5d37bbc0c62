import type { Dispatch } from '@reduxjs/toolkit'
import { isPatchwireError, messageOf } from '../../../src/errors'
import type { ChangeInput, PatchIssue } from '../../../src/types'
import { chunkToChanges } from '../chunk'
import type { BatchReport } from '../pump'
import { type ChunkRejectionReason, rejectChunk } from '../rejectChunk'
import type { StreamSink } from '../sink'
import type { StreamOptions } from '../types'
import type { WorkerItem } from './protocol'

/** What applying a worker's batch needs from its stream. */
export interface ApplyBatchContext {
  /** Where rejections and counters go. */
  dispatch: Dispatch
  /** Where the changes go. */
  sink: StreamSink
  options: Pick<StreamOptions, 'map'>
  /** One `applyPatch` per batch (true) or per chunk (false), as `batch` in-thread. */
  batch: boolean
  now: () => number
}

function codeOf(err: unknown): string {
  return isPatchwireError(err) ? err.code : 'bad_request'
}

/**
 * Applies one batch posted by the stream worker the way the in-thread pump
 * applies one window: every chunk its own change, in order, one `applyPatch`
 * for the batch, and a refused chunk reported where it stood (what came before
 * it is applied first). The state-dependent part of a chunk (a replace's ops,
 * `map`) is done here; the sink validates against the schema as for any change.
 */
export function applyWorkerBatch(
  items: readonly WorkerItem[],
  cursor: string | undefined,
  ctx: ApplyBatchContext,
): BatchReport {
  let changes: ChangeInput[] = []
  let chunks = 0
  const apply = (list: ChangeInput[]) => {
    if (list.length > 0) ctx.sink.apply(list)
  }
  const add = (list: ChangeInput[]) => {
    chunks++
    if (!ctx.batch) apply(list)
    else for (const change of list) changes.push(change)
  }
  const refuse = (item: WorkerItem, reason: ChunkRejectionReason, issue: PatchIssue) => {
    // What came before the bad chunk is applied first, so the log keeps stream order.
    apply(changes)
    changes = []
    rejectChunk(ctx.dispatch, ctx.now(), 'id' in item ? item.id : undefined, reason, issue)
  }
  for (const item of items) {
    if (item.kind === 'changes') add(item.changes)
    else if (item.kind === 'rejected') refuse(item, item.reason, item.issue)
    else {
      let made: ChangeInput[]
      try {
        made = chunkToChanges(item.data, ctx.sink.getState, {
          map: ctx.options.map,
          statusKey: ctx.sink.statusKey,
        })
      } catch (err) {
        refuse(item, 'bad_request', { message: messageOf(err), code: codeOf(err) })
        continue
      }
      if (item.id !== undefined) for (const change of made) change.id ??= item.id
      add(made)
    }
  }
  apply(changes)
  return { chunks, cursor }
}
