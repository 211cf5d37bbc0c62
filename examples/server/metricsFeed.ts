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

/**
 * Answers one request with the metrics as server-sent events through
 * `serveChangeStream`: the ticks after the client's cursor (`Last-Event-ID` or
 * `?since=`), then a point per interval, each with its tick as `id:`. Points
 * are a function of their tick, so even a restarted server replays exactly
 * what a resuming client missed.
 */
export function serveMetrics(
  req: IncomingMessage,
  res: ServerResponse,
  options: MetricsFeedOptions = {},
): Promise<void> {
  const intervalMs = options.intervalMs ?? 1000
  const now = options.now ?? Date.now
  const tickNow = () => Math.floor(now() / intervalMs)
  const subscribe = (since: string | null, push: FeedListener) => {
    const parsed = since === null ? Number.NaN : Number(since)
    let last: number | null = Number.isInteger(parsed) ? parsed : null
    const sendUpTo = (current: number) => {
      for (const tick of ticksToReplay(last, current)) {
        push({ id: String(tick), data: metricChunk(tick, intervalMs) })
        last = tick
      }
    }
    sendUpTo(tickNow())
    const timer = setInterval(() => sendUpTo(tickNow()), intervalMs)
    return () => clearInterval(timer)
  }
  return serveChangeStream(req, res, { format: 'sse', subscribe })
}
