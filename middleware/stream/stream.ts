import type { Middleware, MiddlewareAPI } from '@reduxjs/toolkit'
import { optionError } from '../../src/optionError'
import { installOnce } from '../installOnce'
import { getStoreHub } from '../storeHub'
import { streamStart, streamStop } from './actions'
import { createBackoff } from './backoff'
import { createPollRunner, resolvePollBackoff } from './pollRunner'
import { createStreamRunner } from './runner'
import { isStreamSource } from './sources/readSource'
import type { StreamOptions } from './types'

function misuse(option: string, expected: string, received: unknown): never {
  throw optionError('stream', option, expected, received)
}

/** Throws at setup, naming the option, when stream options are misused. */
export function checkOptions(options: StreamOptions): void {
  if (options === null || typeof options !== 'object') misuse('options', 'an object', options)
  if (typeof options.id !== 'string' || options.id === '')
    misuse('id', 'a non-empty string', options.id)
  const given = [options.source, options.url, options.connect, options.poll].filter(
    (o) => o !== undefined,
  )
  if (given.length !== 1) {
    misuse('source | url | connect | poll', 'given exactly once', `${given.length} of them`)
  }
  if (options.source !== undefined && !isStreamSource(options.source)) {
    misuse(
      'source',
      'an (async) iterable, a ReadableStream, a Response or an EventSource',
      options.source,
    )
  }
  if (options.connect !== undefined && typeof options.connect !== 'function') {
    misuse('connect', 'a function (cursor) => source', options.connect)
  }
  if (
    options.cursor !== undefined &&
    (typeof options.cursor !== 'string' || options.cursor === '')
  ) {
    misuse(
      'cursor',
      'a non-empty string (the last event id the page was rendered with)',
      options.cursor,
    )
  }
  if (options.map !== undefined && typeof options.map !== 'function')
    misuse('map', 'a function', options.map)
  if (options.format !== undefined && options.format !== 'ndjson' && options.format !== 'sse') {
    misuse('format', "'ndjson' or 'sse'", options.format)
  }
  const { maxBatch, batchMs } = options
  if (maxBatch !== undefined && !(Number.isInteger(maxBatch) && maxBatch >= 1)) {
    misuse('maxBatch', 'an integer >= 1', maxBatch)
  }
  const { maxEventBytes } = options
  if (maxEventBytes !== undefined && !(Number.isInteger(maxEventBytes) && maxEventBytes >= 1)) {
    misuse('maxEventBytes', 'an integer >= 1', maxEventBytes)
  }
  if (batchMs !== undefined && !(Number.isFinite(batchMs) && batchMs >= 0)) {
    misuse('batchMs', 'a number >= 0', batchMs)
  }
  if (
    (options.url !== undefined || options.poll?.url !== undefined) &&
    options.fetch === undefined &&
    typeof globalThis.fetch !== 'function'
  ) {
    misuse('fetch', 'given where globalThis.fetch does not exist', undefined)
  }
  if (options.worker !== undefined) {
    if (typeof options.worker !== 'function')
      misuse('worker', 'a function () => new Worker(...)', options.worker)
    if (options.url === undefined)
      misuse('worker', 'used with url (a worker fetches it itself)', 'source or connect')
    if (options.fetch !== undefined)
      misuse('fetch', 'left out with worker (the worker uses its own fetch)', options.fetch)
  }
  if (options.poll !== undefined) {
    checkPollOptions(options)
    return
  }
  // Builds one backoff now so bad timing options throw at setup, not at the first failure.
  createBackoff(options.backoff)
}

function checkPollOptions(options: StreamOptions): void {
  const { poll } = options
  if (poll === null || typeof poll !== 'object') misuse('poll', 'an object', poll)
  const given = [poll.fetch, poll.url].filter((o) => o !== undefined).length
  if (given !== 1) misuse('poll.fetch | poll.url', 'given exactly once', `${given} of them`)
  if (poll.fetch !== undefined && typeof poll.fetch !== 'function') {
    misuse('poll.fetch', 'a function (cursor, { signal }) => page', poll.fetch)
  }
  const { intervalMs } = poll
  if (intervalMs !== undefined && !(Number.isFinite(intervalMs) && intervalMs > 0)) {
    misuse('poll.intervalMs', 'a number > 0', intervalMs)
  }
  // A poll always retries (or halts): a `reconnect: false` would silently mean nothing.
  if (options.reconnect !== undefined) misuse('reconnect', 'left out with poll', options.reconnect)
  createBackoff(resolvePollBackoff(options))
}

/**
 * What `stream()` returns: the middleware to install and the controls of the
 * one stream it reads.
 */
export interface StreamInstance {
  /** Install it once, in one store: `middleware: (gDM) => gDM().concat(prices.middleware)`. */
  readonly middleware: Middleware
  /**
   * Starts the stream (or resumes it from its cursor): needed when `autoStart`
   * is false or after `stop()`. Dispatches `streamStart({ id })`, so DevTools
   * shows it; does nothing before the store exists.
   */
  start(): void
  /** Stops the stream: the connection closes and no reconnect is scheduled. Dispatches `streamStop({ id })`. */
  stop(): void
}

/**
 * The `stream` middleware: reads a live server stream (SSE, NDJSON, an
 * EventSource, an async iterable, or pages polled with `poll`) and turns each chunk into a validated
 * `applyPatch` with `source: 'stream'`. Chunks that arrive within one frame
 * (or tick, or `batchMs`) are coalesced into one action that keeps every chunk
 * as its own change, in order. The source is pulled no faster than batches are
 * applied. On an error or end it reconnects with backoff from the last applied
 * cursor, which is persisted (durable part `stream:<id>`) when `persist` is installed.
 * A server-rendered page hands its last event id over as `cursor`: the first
 * connection resumes after it.
 * `start()` and `stop()` dispatch the actions `streamStart({ id })` and
 * `streamStop({ id })`, so DevTools shows them; code that holds only
 * `dispatch` may dispatch those actions itself.
 *
 * @example
 * ```ts
 * const prices = stream({ id: 'prices', url: '/prices/stream', format: 'sse' })
 * const store = configureStore({
 *   reducer: withPatchwire({ prices: pricesSlice.reducer }, { schema }),
 *   middleware: (gDM) => gDM().concat(patchwireMiddleware(), prices.middleware),
 * })
 * prices.stop()
 * ```
 */
export function stream(options: StreamOptions): StreamInstance {
  checkOptions(options)
  const install = installOnce('stream', options.id)
  let store: MiddlewareAPI | undefined
  const middleware: Middleware = (api) => {
    install(api)
    store = api
    const hub = getStoreHub(api)
    const runner = options.poll
      ? createPollRunner(api, options, hub)
      : createStreamRunner(api, options, hub)
    hub.addDurable(`stream:${options.id}`, {
      read: () => ({ cursor: runner.cursor() }),
      restore: (value) => {
        // A rendered page's cursor goes with the state it was rendered with; a persisted one is older.
        if (options.cursor !== undefined) return
        const cursor = (value as { cursor?: unknown } | null)?.cursor
        if (typeof cursor === 'string') runner.restoreCursor(cursor)
      },
    })
    // start() waits for hydration itself, so a persisted cursor is read first.
    if (options.autoStart ?? true) runner.start()
    return (next) => (action) => {
      const result = next(action)
      if (streamStart.match(action) && action.payload?.id === options.id) runner.start()
      else if (streamStop.match(action) && action.payload?.id === options.id) runner.stop()
      return result
    }
  }
  return {
    middleware,
    start: () => void store?.dispatch(streamStart({ id: options.id })),
    stop: () => void store?.dispatch(streamStop({ id: options.id })),
  }
}
