import type { MiddlewareAPI } from '@reduxjs/toolkit'
import { streamStatusChanged } from '../../slices/statusActions'
import { messageOf } from '../../src/errors'
import type { StoreHub } from '../storeHub'
import { streamError, streamStarted, streamStopped } from './actions'
import { createBackoff } from './backoff'
import { createWindowWaiter } from './coalesce'
import { type BatchReport, pump } from './pump'
import { type StreamSink, storeSink } from './sink'
import { sleep } from './sleep'
import { fetchStream } from './sources/fetchSource'
import { readSource } from './sources/readSource'
import type { StreamErrorInfo, StreamOptions, StreamSource } from './types'
import { applyWorkerBatch } from './worker/applyWorkerBatch'
import { createWorkerLink, type WorkerConnectSettings, type WorkerLink } from './worker/workerLink'

/** Starts and stops one stream; keeps its cursor. */
export interface StreamRunner {
  start(): void
  stop(): void
  /** The last applied cursor. */
  cursor(): string | null
  restoreCursor(cursor: string): void
  /**
   * Shows the runner's own figures in its status entry, as a stream that has
   * not started (`stopped`, its cursor and count, no error): for a runner that
   * takes over an id another runner used before it.
   */
  resetStatus(): void
}

// A worker resolves relative URLs against its own script, so the page's base is applied here.
function absoluteUrl(url: string | URL): string {
  const base = typeof location === 'object' && location?.href ? location.href : undefined
  return new URL(url, base).href
}

/**
 * The connection loop of one stream: connect from the cursor, pump, and on an
 * error or end wait with backoff and connect again, until stopped. Changes go
 * to `sink` (the store unless told otherwise); status and rejections to the store.
 */
export function createStreamRunner(
  api: MiddlewareAPI,
  options: StreamOptions,
  hub: Pick<StoreHub, 'whenHydrated' | 'durableChanged'>,
  sink: StreamSink = storeSink(api, options.statusKey),
): StreamRunner {
  const { id } = options
  const now = options.now ?? Date.now
  const maxBatch = options.maxBatch ?? 1000
  const reconnect = options.reconnect ?? options.source === undefined
  const healthyMs = options.backoff?.healthyMs ?? 10_000
  const endOfWindow = createWindowWaiter(options.batchMs ?? 0)
  let cursor: string | null = options.cursor ?? null
  let chunksApplied = 0
  // Each start gets a session; stop ends the current one. A counter, not a flag,
  // so a quick stop + start never lets the old session's loop run on.
  let session = 0
  let abort: (() => void) | null = null

  const status = (fields: Omit<Parameters<typeof streamStatusChanged>[0], 'id'>) =>
    api.dispatch(streamStatusChanged({ id, ...fields }))

  const open = (signal: AbortSignal): Promise<StreamSource> | StreamSource => {
    if (options.connect) return options.connect(cursor, signal)
    if (options.url !== undefined) {
      return fetchStream(options.url, {
        cursor,
        signal,
        headers: options.headers ?? {},
        sinceParam: options.sinceParam ?? 'since',
        fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
      })
    }
    return options.source as StreamSource
  }

  const workerSettings = (): WorkerConnectSettings => ({
    url: absoluteUrl(options.url ?? ''),
    format: options.format ?? null,
    headers: options.headers ?? {},
    sinceParam: options.sinceParam ?? 'since',
    maxBatch,
    maxEventBytes: options.maxEventBytes ?? null,
    batchMs: options.batchMs ?? 0,
    hasMap: options.map !== undefined,
    statusKey: sink.statusKey,
  })

  const onBatch = (mine: number) => (report: BatchReport) => {
    const live = session === mine
    // A batch flushed while stopping was applied all the same: its cursor counts.
    chunksApplied += report.chunks
    const moved = report.cursor !== undefined && report.cursor !== cursor
    if (moved) cursor = report.cursor as string
    status(live ? { state: 'live', cursor, chunksApplied } : { cursor, chunksApplied })
    if (moved) hub.durableChanged()
  }

  /** Reads one connection; resolves false when stopped before it opened. */
  type Read = (
    mine: number,
    aborted: Promise<null>,
    signal: AbortSignal,
    opened: () => void,
  ) => Promise<boolean>

  const readInThread: Read = async (mine, aborted, signal, opened) => {
    const source = await Promise.race([open(signal), aborted])
    if (source === null || session !== mine) return false
    opened()
    await pump(
      readSource(source, {
        format: options.format,
        maxQueued: maxBatch * 4,
        maxEventBytes: options.maxEventBytes,
      }),
      {
        dispatch: api.dispatch,
        sink,
        options,
        batch: options.batch ?? true,
        maxBatch,
        endOfWindow,
        now,
        aborted,
        resumedFrom: cursor,
        onBatch: onBatch(mine),
      },
    )
    return true
  }

  // The worker reads; this thread applies each batch as it comes, then acknowledges it.
  const readInWorker =
    (link: WorkerLink): Read =>
    async (mine, aborted, _signal, opened) => {
      const applied = onBatch(mine)
      const context = {
        dispatch: api.dispatch,
        sink,
        options,
        batch: options.batch ?? true,
        now,
      }
      const connection = link.connect(cursor, (items, batchCursor) => {
        if (session === mine) applied(applyWorkerBatch(items, batchCursor, context))
      })
      if ((await Promise.race([connection.opened, aborted])) === null || session !== mine)
        return false
      opened()
      await Promise.race([connection.done, aborted])
      return true
    }

  const run = async (
    mine: number,
    aborted: Promise<null>,
    signal: AbortSignal,
    link: WorkerLink | null,
  ) => {
    const backoff = createBackoff(options.backoff)
    const live = () => session === mine
    while (live()) {
      status({ state: 'connecting', cursor, nextRetryAt: null })
      let failure: unknown = null
      let liveSince: number | null = null
      try {
        const opened = () => {
          liveSince = now()
          status({ state: 'live', cursor, lastError: null })
        }
        const read = link === null ? readInThread : readInWorker(link)
        if (!(await read(mine, aborted, signal, opened))) break
      } catch (err) {
        failure = err
      }
      if (!live()) return
      if (liveSince !== null && now() - liveSince >= healthyMs) backoff.reset()
      const message = failure === null ? null : messageOf(failure)
      if (!reconnect) {
        session++
        abort = null
        status({
          state: 'stopped',
          nextRetryAt: null,
          ...(message === null ? {} : { lastError: message }),
        })
        if (message !== null)
          report({ id, message, attempt: backoff.attempts + 1, nextRetryAt: null })
        api.dispatch(streamStopped({ id, cursor }))
        return
      }
      const delay = backoff.next()
      const nextRetryAt = now() + delay
      status({ state: 'retrying', nextRetryAt, lastError: message ?? 'The stream ended.' })
      if (message !== null) report({ id, message, attempt: backoff.attempts, nextRetryAt })
      await sleep(delay, aborted)
    }
  }

  const report = (info: StreamErrorInfo) => {
    api.dispatch(streamError(info))
    options.onError?.(info)
  }

  return {
    start() {
      if (abort) return
      const mine = ++session
      const controller = new AbortController()
      let resolveAborted: (value: null) => void = () => {}
      const aborted = new Promise<null>((resolve) => {
        resolveAborted = resolve
      })
      const link = options.worker ? createWorkerLink(options.worker, workerSettings()) : null
      abort = () => {
        controller.abort()
        link?.close()
        resolveAborted(null)
      }
      void hub.whenHydrated().then(() => {
        if (session !== mine) return
        api.dispatch(streamStarted({ id, cursor }))
        // A stream that ends for good (no reconnect) lets its worker go as a stop does.
        return run(mine, aborted, controller.signal, link).finally(() => link?.close())
      })
    },
    stop() {
      if (!abort) return
      session++
      abort()
      abort = null
      status({ state: 'stopped', nextRetryAt: null })
      api.dispatch(streamStopped({ id, cursor }))
    },
    cursor: () => cursor,
    restoreCursor(value) {
      cursor = value
      // Restored while waiting to start (autoStart) or before any start: say which.
      status(abort ? { cursor } : { cursor, state: 'stopped' })
    },
    resetStatus() {
      status({ state: 'stopped', cursor, chunksApplied, lastError: null, nextRetryAt: null })
    },
  }
}
