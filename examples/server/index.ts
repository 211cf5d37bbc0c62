import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createRelay, type Relay, type RelayOptions } from '../../server/index'
import { roomPresenceSchema, roomSchema } from '../shared/schemas'
import { type MetricsFeedOptions, serveMetrics } from './metricsFeed'
import { serveRouteHits, serveRouteHitsStream } from './routesFeed'
import { serveStatic } from './serveStatic'
import { serveSsrPage } from './ssrPage'

export { metricChunk, metricPoint, ticksToReplay } from './metrics'
export { serveMetrics } from './metricsFeed'
export { routeHitsAt } from './routesFeed'
export { serveStatic } from './serveStatic'

/** The route the dashboard streams its metrics from. */
export const METRICS_PATH = '/examples/metrics'

/** The dashboard's RTK Query endpoint (JSON) and the stream that keeps its cache entry current (SSE). */
export const ROUTES_PATH = '/examples/routes'
export const ROUTES_STREAM_PATH = '/examples/routes/stream'

/** The server-rendered page (the rest of `ssr/` is the built bundle, served as files). */
const SSR_PAGES = new Set(['/ssr/', '/ssr/index.html'])

/**
 * The HTTP routes the examples need besides the relay's Socket.IO endpoint:
 * the metrics SSE feed, the requests-by-route endpoint and its stream, the built apps when `staticDir` is given, and the
 * server-rendered page when `relay` is given too.
 * Returns false for anything else so a host server can route on.
 *
 * @example
 * ```ts
 * const handle = exampleRoutes({ staticDir: 'examples/dist' })
 * http.createServer((req, res) => handle(req, res) || res.writeHead(404).end())
 * ```
 */
export function exampleRoutes(options: {
  staticDir?: string
  metrics?: MetricsFeedOptions
  relay?: Pick<Relay, 'read'>
}): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    if (req.method === 'GET' && path === METRICS_PATH) {
      void serveMetrics(req, res, options.metrics)
      return true
    }
    if (req.method === 'GET' && path === ROUTES_PATH) {
      serveRouteHits(res, options.metrics)
      return true
    }
    if (req.method === 'GET' && path === ROUTES_STREAM_PATH) {
      void serveRouteHitsStream(req, res, options.metrics)
      return true
    }
    const { staticDir, relay } = options
    if (req.method === 'GET' && SSR_PAGES.has(path) && staticDir && relay) {
      void serveSsrPage(res, {
        staticDir,
        relay,
        ...(options.metrics ? { metrics: options.metrics } : {}),
      })
      return true
    }
    return options.staticDir ? serveStatic(options.staticDir, req, res) : false
  }
}

/** Options of `createExampleServer`. */
export interface ExampleServerOptions {
  /** The built examples (`examples/dist`). */
  staticDir: string
  /** Relay options besides the http server and the rooms' schemas (a store, a log, limits). */
  relay?: Omit<RelayOptions, 'httpServer' | 'schema' | 'presenceSchema'>
  metrics?: MetricsFeedOptions
}

/** A running example server: one HTTP server for the apps, the metrics feed and the relay. */
export interface ExampleServer {
  httpServer: Server
  relay: Relay
  listen(port?: number, host?: string): Promise<number>
  close(): Promise<void>
}

/**
 * Serves the example apps, their metrics feed and the relay (with the rooms'
 * schemas from `examples/shared/schemas.ts`) from one address. The end-to-end
 * tests run it in-process; `npm start` runs the same routes through the CLI.
 *
 * @example
 * ```ts
 * const server = createExampleServer({ staticDir: 'examples/dist' })
 * console.log(`http://127.0.0.1:${await server.listen(8787)}/`)
 * ```
 */
export function createExampleServer(options: ExampleServerOptions): ExampleServer {
  // The relay is made below, with this server: the page reads it per request.
  const routes = exampleRoutes({ ...options, relay: { read: (room) => relay.read(room) } })
  const httpServer = createServer((req, res) => {
    // Socket.IO answers its own path; everything else that is not ours is a 404.
    if ((req.url ?? '').startsWith('/socket.io/')) return
    if (req.method === 'GET' && req.url?.split('?')[0] === '/healthz') {
      relay.health().then((health) => {
        res.writeHead(health.ok ? 200 : 503, { 'content-type': 'application/json' })
        res.end(JSON.stringify(health))
      })
      return
    }
    if (!routes(req, res)) res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
  })
  const relay: Relay = createRelay({
    ...options.relay,
    httpServer,
    schema: roomSchema,
    presenceSchema: roomPresenceSchema,
  })
  return {
    httpServer,
    relay,
    listen: (port = 0, host = '127.0.0.1') => relay.listen(port, host),
    async close() {
      // Open SSE responses would keep the server from closing.
      httpServer.closeAllConnections()
      await relay.close()
    },
  }
}
