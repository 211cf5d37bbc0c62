import type { IncomingMessage, ServerResponse } from 'node:http'
import { type FeedListener, serveChangeStream } from '../../server/index'
import { metricChunk, ticksToReplay } from './metrics'

/** Options of `serveMetrics`. */
export interface MetricsFeedOptions {
  /** One point per this many ms. @default 1000 */
  intervalMs?: number
  /** Wall clock; inject in tests. @default Date.now */
  now?: () => number
}

/** The tick `now` falls in, ticks being `intervalMs` long. */
export const tickOf = (options: MetricsFeedOptions): number =>
  Math.floor((options.now ?? Date.now)() / (options.intervalMs ?? 1000))

/**
 * Answers one request with a feed that is a function of the tick, as
 * server-sent events through `serveChangeStream`: the ticks `replay` gives for
 * the client's cursor (`Last-Event-ID` or `?since=`, `null` without one), then
 * each new tick, every event with its tick as `id:`. A restarted server replays
 * exactly what a resuming client missed.
 */
export function serveTickStream(
  req: IncomingMessage,
  res: ServerResponse,
  options: MetricsFeedOptions,
  chunkAt: (tick: number, intervalMs: number) => unknown,
  replay: (since: number | null, current: number) => number[],
): Promise<void> {
  const intervalMs = options.intervalMs ?? 1000
  const subscribe = (since: string | null, push: FeedListener) => {
    const parsed = since === null ? Number.NaN : Number(since)
    let last: number | null = Number.isInteger(parsed) ? parsed : null
    const sendUpTo = (current: number) => {
      for (const tick of replay(last, current)) {
        push({ id: String(tick), data: chunkAt(tick, intervalMs) })
        last = tick
      }
    }
    sendUpTo(tickOf(options))
    const timer = setInterval(() => sendUpTo(tickOf(options)), intervalMs)
    return () => clearInterval(timer)
  }
  return serveChangeStream(req, res, { format: 'sse', subscribe })
}

/**
 * Answers one request with the metrics: the ticks after the client's cursor
 * (at most one window of them), then a point per interval.
 */
export function serveMetrics(
  req: IncomingMessage,
  res: ServerResponse,
  options: MetricsFeedOptions = {},
): Promise<void> {
  return serveTickStream(req, res, options, metricChunk, ticksToReplay)
}
