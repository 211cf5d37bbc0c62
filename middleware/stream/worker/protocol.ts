import type { ChangeInput, PatchIssue } from '../../../src/types'
import type { ChunkRejectionReason } from '../rejectChunk'
import type { StreamChangeInput, StreamFormat } from '../types'

/**
 * The messages between a stream's runner (main thread) and its worker. The
 * runner owns the connection loop (status, cursor, backoff); the worker owns
 * one connection at a time: fetch, framing, JSON parse and chunk-shape checks.
 * Every message names its connection, so a late message of a connection the
 * runner already gave up on is ignored instead of applied.
 */
export interface WorkerOpenMessage {
  type: 'open'
  connection: number
  /** Absolute: a worker's base URL is its script's, not the page's. */
  url: string
  cursor: string | null
  format: StreamFormat | null
  headers: Record<string, string>
  sinceParam: string
  maxBatch: number
  maxEventBytes: number | null
  batchMs: number
  /** Chunks that are neither patch nor replace go to the main thread's `map` instead of being refused. */
  hasMap: boolean
  statusKey: string | null
}

/** The runner applied a batch: the worker may post the next one. */
export interface WorkerAppliedMessage {
  type: 'applied'
  connection: number
}

/** Ends the current connection (its fetch is aborted). */
export interface WorkerCloseMessage {
  type: 'close'
}

export type ToWorkerMessage = WorkerOpenMessage | WorkerAppliedMessage | WorkerCloseMessage

/** One chunk of a batch, in stream order. */
export type WorkerItem =
  /**
   * Chunks whose changes passed, in the worker, every check the sink makes without the
   * state (`checkInWorker`): the main thread vouches for them once parsed. Either one
   * change per chunk (`chunks === changes.length`, consecutive chunks share one item)
   * or a single chunk of any number of changes.
   */
  | { kind: 'checked'; chunks: number; changes: ChangeInput[] }
  /** A patch chunk turned into changes in the worker, which the sink checks in full. */
  | { kind: 'changes'; changes: ChangeInput[] }
  /**
   * A chunk the main thread turns into changes: a replace chunk (whether its path
   * inserts or overwrites depends on the state) or a shape only `map` knows.
   */
  | { kind: 'chunk'; data: unknown; id?: string }
  /** A chunk refused in the worker. */
  | { kind: 'rejected'; id?: string; reason: ChunkRejectionReason; issue: PatchIssue }

export type FromWorkerMessage =
  | { type: 'opened'; connection: number }
  /**
   * `items` is the text of a `WorkerItem[]` (`encodeBatch` in batchCodec.ts: JSON,
   * with runs of one-op changes as columns). Structured clone rebuilds the objects
   * lazily on the main thread, and for many small objects that costs more than
   * JSON.parse of the same data (measured in bench/streamWorker.ts), so the batch
   * crosses as one string.
   */
  | { type: 'batch'; connection: number; items: string; cursor?: string }
  | { type: 'ended'; connection: number }
  | { type: 'failed'; connection: number; message: string }

const TO_WORKER: ReadonlySet<unknown> = new Set(['open', 'applied', 'close'])
const FROM_WORKER: ReadonlySet<unknown> = new Set(['opened', 'batch', 'ended', 'failed'])

const typeOf = (data: unknown): unknown =>
  data !== null && typeof data === 'object' ? (data as { type?: unknown }).type : undefined

/** The message the worker received, or `null` for anything else posted to it. */
export function parseToWorker(data: unknown): ToWorkerMessage | null {
  return TO_WORKER.has(typeOf(data)) ? (data as ToWorkerMessage) : null
}

/** The message the runner received from its worker, or `null` for anything else. */
export function parseFromWorker(data: unknown): FromWorkerMessage | null {
  if (!FROM_WORKER.has(typeOf(data))) return null
  const connection = (data as { connection?: unknown }).connection
  return typeof connection === 'number' ? (data as FromWorkerMessage) : null
}

/** What a worker module of the app may run in the worker: functions cannot be posted to it. */
export interface StreamWorkerOptions {
  /**
   * Turns chunks of other shapes into changes, in the worker: the place for
   * heavy records of which the app keeps a few fields. Its result is checked
   * as on the main thread; `null` skips the chunk.
   */
  map?: (chunk: unknown) => StreamChangeInput | StreamChangeInput[] | null
}
