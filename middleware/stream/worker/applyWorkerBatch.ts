import type { Dispatch } from '@reduxjs/toolkit'
import { isPatchwireError, messageOf } from '../../../src/errors'
import type { ChangeInput, PatchIssue } from '../../../src/types'
import { isVouched } from '../../../src/vouchedChanges'
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
  // Items the link parsed from its own worker's text: their 'checked' changes were checked there.
  const fromWorker = isVouched(items)
  let changes: ChangeInput[] = []
  // Whether every change in `changes` is such a checked one.
  let checked = true
  let chunks = 0
  // One applyPatch per batch is followed, in this same message task, by the batch's
  // status dispatch, which notifies subscribers; one per chunk is left to autoBatch.
  const apply = (list: ChangeInput[], listChecked: boolean) => {
    if (list.length > 0) ctx.sink.apply(list, listChecked, ctx.batch)
  }
  const add = (list: ChangeInput[], listChecked: boolean) => {
    chunks++
    if (!ctx.batch) apply(list, listChecked)
    else {
      checked &&= listChecked
      for (const change of list) changes.push(change)
    }
  }
  const flush = () => {
    apply(changes, checked)
    changes = []
    checked = true
  }
  const refuse = (item: WorkerItem, reason: ChunkRejectionReason, issue: PatchIssue) => {
    // What came before the bad chunk is applied first, so the log keeps stream order.
    flush()
    rejectChunk(ctx.dispatch, ctx.now(), 'id' in item ? item.id : undefined, reason, issue)
  }
  for (const item of items) {
    if (item.kind === 'checked' && item.chunks > 1) {
      // One change per chunk.
      if (!ctx.batch) for (const change of item.changes) add([change], fromWorker)
      else {
        chunks += item.chunks
        checked &&= fromWorker
        // Most batches are one such item: its list becomes the batch's, uncopied.
        if (changes.length === 0) changes = item.changes
        else for (let i = 0; i < item.changes.length; i++) changes.push(item.changes[i]!)
      }
    } else if (item.kind === 'checked') add(item.changes, fromWorker)
    else if (item.kind === 'changes') add(item.changes, false)
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
      add(made, false)
    }
  }
  flush()
  return { chunks, cursor }
}
