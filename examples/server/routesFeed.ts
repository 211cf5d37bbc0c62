import type { IncomingMessage, ServerResponse } from 'node:http'
import { type FeedListener, serveChangeStream } from '../../server/index'
import { ROUTES, type RouteHits } from '../shared/schemas'
import { metricPoint, ticksToReplay } from './metrics'
import type { MetricsFeedOptions } from './metricsFeed'

// Each route's share of a tick's requests, a fixed mix that drifts a little with the tick.
const SHARES = [0.34, 0.26, 0.18, 0.14, 0.08]

/** The requests each route served in one tick: a function of the tick, as the metrics are. */
export function routeHitsAt(tick: number, intervalMs: number): RouteHits {
  const { rps } = metricPoint(tick, intervalMs)
  const hits: Record<string, number> = {}
  ROUTES.forEach((route, i) => {
    const drift = 1 + 0.25 * Math.sin(tick / 7 + i * 1.3)
    // A floor of 40 requests/s beside the rate, so a quiet tick still shows traffic on every route.
    hits[route] = Math.round((rps + 40) * (SHARES[i] ?? 0) * drift * (intervalMs / 1000))
  })
  return { tick, hits }
}

/** The stream chunk of one tick: paths start at the query's data, as `streamIntoCache` reads them. */
function routesChunk(tick: number, intervalMs: number) {
  const { hits } = routeHitsAt(tick, intervalMs)
  return {
    type: 'patch' as const,
    ops: [
      { op: 'replace' as const, path: ['tick'], value: tick },
      { op: 'replace' as const, path: ['hits'], value: hits },
    ],
  }
}

const tickOf = (options: MetricsFeedOptions) =>
  Math.floor((options.now ?? Date.now)() / (options.intervalMs ?? 1000))

/** Answers the dashboard's RTK Query endpoint: the requests by route at the current tick, as JSON. */
export function serveRouteHits(res: ServerResponse, options: MetricsFeedOptions = {}): void {
  const body = JSON.stringify(routeHitsAt(tickOf(options), options.intervalMs ?? 1000))
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(body)
}

/**
 * The requests by route as server-sent events, one per tick with the tick as
 * its `id:`: the ticks after the client's cursor (the tick its query loaded),
 * then one per interval, so the cache entry moves on from exactly what it loaded.
 */
export function serveRouteHitsStream(
  req: IncomingMessage,
  res: ServerResponse,
  options: MetricsFeedOptions = {},
): Promise<void> {
  const intervalMs = options.intervalMs ?? 1000
  const subscribe = (since: string | null, push: FeedListener) => {
    const parsed = since === null ? Number.NaN : Number(since)
    let last: number | null = Number.isInteger(parsed) ? parsed : null
    const sendUpTo = (current: number) => {
      // Without a cursor the client has no data yet: the current tick alone brings it up to date.
      const ticks = last === null ? [current] : ticksToReplay(last, current)
      for (const tick of ticks) {
        push({ id: String(tick), data: routesChunk(tick, intervalMs) })
        last = tick
      }
    }
    sendUpTo(tickOf(options))
    const timer = setInterval(() => sendUpTo(tickOf(options)), intervalMs)
    return () => clearInterval(timer)
  }
  return serveChangeStream(req, res, { format: 'sse', subscribe })
}
