import type { MiddlewareAPI } from '@reduxjs/toolkit'
import type { PollStatus } from '../../slices/pollStatus'
import { countersIncremented, streamStatusChanged } from '../../slices/statusActions'
import { messageOf } from '../../src/errors'
import type { StoreHub } from '../storeHub'
import { streamError, streamStarted, streamStopped } from './actions'
import { createBackoff } from './backoff'
import { createWindowWaiter } from './coalesce'
import { haltForError, isBadPage, type PollOutcome, readPollResult } from './pollPage'
import { pump } from './pump'
import type { StreamRunner } from './runner'
import { type StreamSink, storeSink } from './sink'
import { sleep } from './sleep'
import { fetchPollPage } from './sources/pollUrl'
import { readSource } from './sources/readSource'
import { createThroughputMeter } from './throughput'
import type { BackoffOptions, StreamErrorInfo, StreamOptions } from './types'

/** Healthy cadence of a poll stream. */
export const DEFAULT_POLL_INTERVAL_MS = 2000

/**
 * The back-off of a poll stream, defaulted: the first retry waits twice the
 * interval, so a failure always slows polling down, growing to a minute, with
 * ±10 % jitter so that many clients of one backend do not poll in step.
 */
export function resolvePollBackoff(options: StreamOptions): BackoffOptions {
  const intervalMs = options.poll?.intervalMs ?? DEFAULT_POLL_INTERVAL_MS
  const capMs = options.backoff?.capMs ?? 60_000
  return {
    baseMs: Math.min(2 * intervalMs, capMs),
    factor: 2,
    jitter: 0.1,
    ...options.backoff,
    capMs,
  }
}

// A page is held in memory whole, so it is applied whole: a stop while it is
// applied never leaves half a page applied under the old cursor.
const NEVER = new Promise<null>(() => {})

/**
 * The loop of one poll stream: fetch the page after the cursor, apply it, wait
 * `intervalMs` (none while pages say `more`), and on a failure wait with
 * back-off; halt on an unrecoverable answer. Same lifecycle, actions and
 * durable cursor as the connection runner.
 */
export function createPollRunner(
  api: MiddlewareAPI,
  options: StreamOptions,
  hub: StoreHub,
  sink: StreamSink = storeSink(api, options.statusKey),
): StreamRunner {
  const { id } = options
  const poll = options.poll ?? {}
  const now = options.now ?? Date.now
  const intervalMs = poll.intervalMs ?? DEFAULT_POLL_INTERVAL_MS
  const backoffOptions = resolvePollBackoff(options)
  const maxBatch = options.maxBatch ?? 1000
  const endOfWindow = createWindowWaiter(options.batchMs ?? 0)
  const pollUrl = poll.url
  // What either resolves to is checked by readPollResult: pages from a URL are inbound data.
  const fetchPage: (cursor: string | null, context: { signal: AbortSignal }) => unknown =
    poll.fetch ??
    ((cursor, { signal }) =>
      fetchPollPage(pollUrl as string | URL, {
        cursor,
        signal,
        headers: options.headers ?? {},
        sinceParam: options.sinceParam ?? 'since',
        fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
      }))
  const meter = createThroughputMeter()
  let cursor: string | null = options.cursor ?? null
  let chunksApplied = 0
  let figures: PollStatus = {
    phase: 'idle',
    lastBatchSize: 0,
    consecutiveFailures: 0,
    nextPollInMs: null,
    throughput: 0,
    haltReason: null,
  }
  // As in the connection runner: a session counter, so a quick stop + start never lets the old loop run on.
  let session = 0
  let abort: (() => void) | null = null

  const status = (
    fields: Omit<Parameters<typeof streamStatusChanged>[0], 'id' | 'poll'>,
    pollFields: Partial<PollStatus>,
  ) => {
    figures = { ...figures, ...pollFields }
    api.dispatch(streamStatusChanged({ id, ...fields, poll: figures }))
  }

  const report = (info: StreamErrorInfo) => {
    api.dispatch(streamError(info))
    options.onError?.(info)
  }

  const applyPage = async (page: Extract<PollOutcome, { kind: 'page' }>) => {
    await pump(readSource(page.chunks, { maxQueued: maxBatch }), {
      dispatch: api.dispatch,
      sink,
      options,
      batch: options.batch ?? true,
      maxBatch,
      endOfWindow,
      now,
      aborted: NEVER,
      resumedFrom: null,
      onBatch: (report) => {
        chunksApplied += report.chunks
      },
    })
    if (page.cursor !== undefined && page.cursor !== cursor) {
      cursor = page.cursor
      hub.durableChanged()
    }
  }

  const run = async (mine: number, aborted: Promise<null>, signal: AbortSignal) => {
    const backoff = createBackoff(backoffOptions)
    const live = () => session === mine
    meter.start(now())
    status(
      { state: 'connecting', cursor, nextRetryAt: null, lastError: null },
      { phase: 'bootstrapping', consecutiveFailures: 0, nextPollInMs: null, haltReason: null },
    )
    while (live()) {
      let outcome: PollOutcome | null = null
      let failure: unknown = null
      try {
        const result = await Promise.race([
          Promise.resolve().then(() => fetchPage(cursor, { signal })),
          aborted,
        ])
        if (!live()) return
        outcome = readPollResult(result)
      } catch (err) {
        if (!live()) return
        outcome = haltForError(err)
        failure = err
      }
      if (outcome?.kind === 'page') {
        await applyPage(outcome)
        backoff.reset()
        const wait = outcome.more ? 0 : intervalMs
        const fields = { cursor, chunksApplied }
        status(live() ? { ...fields, state: 'live', lastError: null, nextRetryAt: null } : fields, {
          ...(live() ? { phase: outcome.more ? 'bootstrapping' : 'streaming' } : {}),
          lastBatchSize: outcome.chunks.length,
          consecutiveFailures: 0,
          nextPollInMs: live() ? wait : null,
          throughput: meter.add(now(), outcome.chunks.length),
        })
        if (wait > 0) await sleep(wait, aborted)
        continue
      }
      if (outcome?.kind === 'halt') {
        session++
        abort = null
        status(
          { state: 'stopped', nextRetryAt: null, lastError: outcome.message },
          {
            phase: 'halted',
            consecutiveFailures: backoff.attempts + 1,
            nextPollInMs: null,
            haltReason: outcome.reason,
          },
        )
        report({
          id,
          message: outcome.message,
          attempt: backoff.attempts + 1,
          nextRetryAt: null,
          haltReason: outcome.reason,
        })
        api.dispatch(streamStopped({ id, cursor }))
        return
      }
      if (isBadPage(failure)) api.dispatch(countersIncremented({ parseErrors: 1 }))
      const delay = backoff.next()
      const nextRetryAt = now() + delay
      const message = messageOf(failure)
      status(
        { state: 'retrying', nextRetryAt, lastError: message },
        { phase: 'retrying', consecutiveFailures: backoff.attempts, nextPollInMs: delay },
      )
      report({ id, message, attempt: backoff.attempts, nextRetryAt })
      await sleep(delay, aborted)
    }
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
      abort = () => {
        controller.abort()
        resolveAborted(null)
      }
      void hub.whenHydrated().then(() => {
        if (session !== mine) return
        api.dispatch(streamStarted({ id, cursor }))
        return run(mine, aborted, controller.signal)
      })
    },
    stop() {
      if (!abort) return
      session++
      abort()
      abort = null
      status({ state: 'stopped', nextRetryAt: null }, { phase: 'idle', nextPollInMs: null })
      api.dispatch(streamStopped({ id, cursor }))
    },
    cursor: () => cursor,
    restoreCursor(value) {
      cursor = value
      if (abort) status({ cursor }, {})
      else status({ cursor, state: 'stopped' }, { phase: 'idle' })
    },
    resetStatus() {
      status({ state: 'stopped', cursor, chunksApplied, lastError: null, nextRetryAt: null }, {})
    },
  }
}
