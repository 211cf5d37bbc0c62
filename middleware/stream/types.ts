import type { RejectReason } from '../../src/protocol'
import type { ChangeInput, PatchOpInput } from '../../src/types'
import type { PollOptions } from './pollTypes'

/** A chunk that changes part of the state with patch ops. */
export interface PatchChunk {
  type: 'patch'
  ops: PatchOpInput[]
  /** The chunk's position in the stream; becomes the cursor once applied. */
  id?: string | number
}

/**
 * A chunk that sets a value. With a `path` it sets that key or index; without
 * one, every top-level key `value` carries is set (the status key excepted).
 */
export interface ReplaceChunk {
  type: 'replace'
  path?: string | readonly (string | number)[]
  value: unknown
  id?: string | number
}

/** The chunk shapes `stream` understands without a `map` option. */
export type StreamChunk = PatchChunk | ReplaceChunk

/** A change as `map` may return it: `source` is always set to `'stream'`. */
export type StreamChangeInput = Omit<ChangeInput, 'source'> & { source?: 'stream' }

/**
 * One framed message read from a source, before it is turned into changes.
 * `data` is the decoded JSON (or, for a framing error, `parseError` says why).
 */
export interface StreamEvent {
  data?: unknown
  /** SSE `id:`, the NDJSON object's `id`, or the chunk's own `id`. */
  id?: string
  /** Set when the frame could not be decoded (not JSON). */
  parseError?: string
}

/** The minimal `EventSource` surface `stream` uses (the browser API, or a compatible polyfill). */
export interface EventSourceLike {
  readonly readyState: number
  addEventListener(type: string, listener: (event: never) => void): void
  removeEventListener(type: string, listener: (event: never) => void): void
  close(): void
}

/** Text framing of a byte stream. */
export type StreamFormat = 'ndjson' | 'sse'

/** Anything `stream` can read chunks from. */
export type StreamSource =
  | AsyncIterable<unknown>
  | Iterable<unknown>
  | ReadableStream<Uint8Array>
  | EventSourceLike
  | Response

/** Builds a source that resumes after `cursor` (`null` on the first connection). */
export type StreamSourceFactory = (
  cursor: string | null,
  signal: AbortSignal,
) => StreamSource | Promise<StreamSource>

/** Reconnect timing: exponential backoff with full jitter. */
export interface BackoffOptions {
  /** First delay ceiling in ms. @defaultValue 500 */
  baseMs?: number
  /** Growth per failed attempt. @defaultValue 2 */
  factor?: number
  /** Largest delay ceiling in ms (at most 60 000). @defaultValue 30000 */
  capMs?: number
  /** A connection that stayed up this long resets the backoff. @defaultValue 10000 */
  healthyMs?: number
  /** Random source in [0, 1); inject one in tests. @defaultValue Math.random */
  random?: () => number
  /**
   * `'full'` draws each delay in [0, ceiling); a fraction j draws it in
   * ceiling × [1 − j, 1 + j), capped. @defaultValue 'full' (0.1 for `poll`)
   */
  jitter?: 'full' | number
}

/** What the stream reports through `onError` and the `streamError` action. */
export interface StreamErrorInfo {
  id: string
  message: string
  /** The attempt that failed, counted from 1 since the last healthy period. */
  attempt: number
  /** When the next attempt is due (wall ms), or `null` when the stream stops. */
  nextRetryAt: number | null
  /** Set when a poll stream halts on this failure instead of retrying. */
  haltReason?: RejectReason
}

/** Options of `stream`. Give exactly one of `source`, `url`, `connect` or `poll`. */
export interface StreamOptions {
  /** Names the stream: its status entry, its control actions and its persisted cursor (`stream:<id>`). */
  id: string
  /**
   * A source read once: an async iterable of chunks, a `ReadableStream` of bytes
   * (framed by `format`), a fetch `Response`, or an `EventSource`.
   */
  source?: StreamSource
  /**
   * Server-side rendering hand-off: the cursor of the last event the page was
   * rendered with (an SSE `id:`), embedded with the preloaded state. The first
   * connection resumes after it (`Last-Event-ID`, `?<sinceParam>=`, or the
   * `connect` factory's argument), so no event is applied twice or skipped. It
   * wins over a persisted cursor, which is from an earlier visit: a page that
   * streams from a render should not persist the streamed keys either.
   * @defaultValue undefined (a persisted cursor, else the stream's start)
   */
  cursor?: string
  /** Builds a source from the last applied cursor; called again on every reconnect. */
  connect?: StreamSourceFactory
  /**
   * Fetches this URL (with `Last-Event-ID` and `?<sinceParam>=` set from the cursor) and
   * reads the body with `format` framing.
   */
  url?: string | URL
  /** Polls pages `{ chunks, cursor }` on an interval, for backends that do not push (see `PollOptions`). */
  poll?: PollOptions
  /** Framing of byte sources. @defaultValue from the response's content type, else 'ndjson' */
  format?: StreamFormat
  /** Extra request headers for `url` and `poll.url`. @defaultValue {} */
  headers?: Record<string, string>
  /** Query parameter carrying the cursor for `url` and `poll.url`. @defaultValue 'since' */
  sinceParam?: string
  /** The fetch implementation for `url` and `poll.url`. @defaultValue globalThis.fetch */
  fetch?: typeof fetch
  /** Turns chunks of other shapes into changes; `null` skips the chunk. */
  map?: (chunk: unknown) => StreamChangeInput | StreamChangeInput[] | null
  /** Coalesce chunks into one `applyPatch` per frame, tick or `batchMs` window. @defaultValue true */
  batch?: boolean
  /**
   * Window length in ms; 0 waits one animation frame (browsers, with a 100 ms fallback for
   * hidden tabs, where frames stop) or one macrotask (Node).
   * @defaultValue 0
   */
  batchMs?: number
  /** Most chunks read before a batch is applied; bounds memory under a fast producer. @defaultValue 1000 */
  maxBatch?: number
  /**
   * Most characters one NDJSON line or SSE event may take. A longer one fails the
   * connection (reported, then a reconnect from the cursor) rather than growing a
   * buffer without end. @defaultValue 1048576
   */
  maxEventBytes?: number
  /** Reconnect on error or end. @defaultValue true for `connect` and `url`, false for `source` */
  reconnect?: boolean
  /** Reconnect timing. @defaultValue {} */
  backoff?: BackoffOptions
  /** Start once the store has hydrated; otherwise wait for a `streamStart` action. @defaultValue true */
  autoStart?: boolean
  /** Called for every connection failure. */
  onError?: (error: StreamErrorInfo) => void
  /** Wall clock for `nextRetryAt`; inject one in tests. @defaultValue Date.now */
  now?: () => number
  /** Where the status slice is mounted, to read it back for the `replace` chunk. @defaultValue 'patchwire' */
  statusKey?: string
  /**
   * Runs the `url` stream's fetch, framing, JSON parse and chunk-shape checks in a
   * dedicated worker, which posts checked batches to this thread; the sink (and the
   * store's schema) still applies them here. Called when the stream first connects;
   * the worker is terminated on stop. Only with `url` (and not with `fetch`).
   * @example () => new Worker(new URL('./streamWorker.ts', import.meta.url), { type: 'module' })
   * @defaultValue undefined (in this thread)
   */
  worker?: () => StreamWorkerLike
}

/** The part of a `Worker` the stream runner uses (a `MessagePort` wrapper fits in tests). */
export interface StreamWorkerLike {
  postMessage(message: unknown): void
  /** Called with `'message'` and `'error'`. */
  addEventListener(type: string, listener: (event: Event) => void): void
  terminate(): void
}
