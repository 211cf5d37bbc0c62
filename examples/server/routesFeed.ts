import type { IncomingMessage, ServerResponse } from 'node:http'
import { ROUTES, type RouteHits } from '../shared/schemas'
import { metricPoint, ticksToReplay } from './metrics'
import { type MetricsFeedOptions, serveTickStream, tickOf } from './metricsFeed'

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
  // Without a cursor the client has no data yet: the current tick alone brings it up to date.
  const replay = (since: number | null, current: number) =>
    since === null ? [current] : ticksToReplay(since, current)
  return serveTickStream(req, res, options, routesChunk, replay)
}
