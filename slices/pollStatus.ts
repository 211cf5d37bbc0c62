import type { RejectReason } from '../src/protocol'

/**
 * Where a poll stream is: `idle` (not started, or stopped), `bootstrapping`
 * (first poll, or catching up while pages say `more`), `streaming` (caught up,
 * polling every `intervalMs`), `retrying` (backing off after a failure),
 * `halted` (an unrecoverable answer; only a `streamStart` polls again).
 *
 * @example
 * ```ts
 * const phase: PollPhase | undefined = selectStreamStatus(store.getState(), 'orders')?.poll?.phase
 * ```
 */
export type PollPhase = 'idle' | 'bootstrapping' | 'streaming' | 'retrying' | 'halted'

/**
 * The poll-only part of a stream's status (`patchwire.streams[id].poll`).
 *
 * @example
 * ```ts
 * const { consecutiveFailures, nextPollInMs } = store.getState().patchwire.streams.orders?.poll ?? {}
 * ```
 */
export interface PollStatus {
  phase: PollPhase
  /** Chunks in the last page applied. */
  lastBatchSize: number
  /** Failed polls since the last success. */
  consecutiveFailures: number
  /** The wait before the next poll as scheduled, in ms; `null` while idle or halted. */
  nextPollInMs: number | null
  /** Chunks applied per second over the last minute (or since the start, when sooner; at least 1 s). */
  throughput: number
  /** Why polling halted, while `halted`. */
  haltReason: RejectReason | null
}
