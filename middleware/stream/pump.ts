import type { Dispatch } from '@reduxjs/toolkit'
import { isPatchwireError } from '../../src/errors'
import type { ChangeInput, PatchIssue } from '../../src/types'
import { chunkToChanges } from './chunk'
import type { WindowWaiter } from './coalesce'
import { type ChunkRejectionReason, rejectChunk } from './rejectChunk'
import type { StreamSink } from './sink'
import type { StreamEvent, StreamOptions } from './types'

/** What the pump reports after each batch it applied. */
export interface BatchReport {
  /** Chunks the reducer received in this batch. */
  chunks: number
  /** The id of the last chunk of the batch that carried one. */
  cursor: string | undefined
}

/** What a pump needs from its stream. */
export interface PumpContext {
  /** Where rejections and counters go. */
  dispatch: Dispatch
  /** Where the changes go. */
  sink: StreamSink
  options: Pick<StreamOptions, 'map'>
  batch: boolean
  maxBatch: number
  endOfWindow: WindowWaiter
  now: () => number
  /** Fires with `null` once the stream is stopped. */
  aborted: Promise<null>
  /** The cursor the connection resumed from: a first event carrying it again is skipped. */
  resumedFrom: string | null
  onBatch: (report: BatchReport) => void
}

const WINDOW_OVER = Symbol('window over')

/**
 * Reads events from one connection and applies them. The iterator is pulled
 * one event at a time, with at most one pull outstanding, and a batch holds
 * at most `maxBatch` chunks: memory is bounded by the batch, whatever the
 * producer's pace. A full batch waits for the end of its window before the
 * next pull, so a fast producer cannot keep the main thread from rendering.
 * Resolves when the source ends; rejects with the source's error, after
 * applying every complete chunk read before it.
 */
export async function pump(events: AsyncIterable<StreamEvent>, ctx: PumpContext): Promise<void> {
  const iterator = events[Symbol.asyncIterator]()
  // At most one pull is outstanding; it survives the end of a window and is awaited by the next.
  let pending: Promise<IteratorResult<StreamEvent>> | null = null
  const pull = () => {
    pending ??= iterator.next()
    return pending
  }
  let changes: ChangeInput[] = []
  let chunks = 0
  let inWindow = 0
  let cursor: string | undefined
  let first = true
  let stopped = false
  void ctx.aborted.then(() => {
    stopped = true
  })

  const flush = () => {
    if (changes.length > 0) ctx.sink.apply(changes)
    if (chunks > 0 || cursor !== undefined) ctx.onBatch({ chunks, cursor })
    changes = []
    chunks = 0
    cursor = undefined
  }

  const reject = (event: StreamEvent, reason: ChunkRejectionReason, issue: PatchIssue) => {
    // What came before the bad chunk is applied first, so the log keeps stream order.
    if (changes.length > 0) ctx.sink.apply(changes)
    changes = []
    rejectChunk(ctx.dispatch, ctx.now(), event.id, reason, issue)
  }

  const take = (event: StreamEvent) => {
    const skip = first && event.id !== undefined && event.id === ctx.resumedFrom
    first = false
    if (skip) return
    if (event.id !== undefined) cursor = event.id
    if (event.parseError !== undefined) {
      reject(event, 'parse', { message: event.parseError, code: 'parse' })
      return
    }
    let next: ChangeInput[]
    try {
      next = chunkToChanges(event.data, ctx.sink.getState, {
        map: ctx.options.map,
        statusKey: ctx.sink.statusKey,
      })
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err)
      reject(event, 'bad_request', {
        message,
        code: isPatchwireError(err) ? err.code : 'bad_request',
      })
      return
    }
    if (event.id !== undefined) for (const change of next) change.id ??= event.id
    chunks++
    if (!ctx.batch) {
      if (next.length > 0) ctx.sink.apply(next)
      return
    }
    for (const change of next) changes.push(change)
  }

  try {
    while (true) {
      // Only the wait between windows races the stop signal: inside a window the
      // window's end comes within a frame anyway, and one race per chunk is measurable.
      const opened = await Promise.race([pull(), ctx.aborted])
      pending = null
      if (opened === null || opened.done) return
      take(opened.value)
      inWindow = 1
      let windowOver = false
      const windowEnd = ctx.endOfWindow().then((): typeof WINDOW_OVER => {
        windowOver = true
        return WINDOW_OVER
      })
      while (!windowOver && !stopped && inWindow < ctx.maxBatch) {
        const result = await Promise.race([pull(), windowEnd])
        if (result === WINDOW_OVER) break
        pending = null
        if (result.done) return
        take(result.value)
        inWindow++
      }
      flush()
      if (inWindow >= ctx.maxBatch) await windowEnd
    }
  } finally {
    flush()
    // Without awaiting: a generator suspended in a read only returns once that read settles.
    iterator.return?.()?.catch(() => {})
  }
}
