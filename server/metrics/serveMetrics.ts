import type { ServerResponse } from 'node:http'
import type { RelayMetrics } from './types'

/**
 * Answers `GET /metrics` with the relay's metrics in the Prometheus text
 * format, or 500 with the error when collecting them failed.
 *
 * @example
 * ```ts
 * if (req.url === '/metrics' && relay.metrics) return serveMetrics(relay.metrics, res)
 * ```
 */
export async function serveMetrics(metrics: RelayMetrics, res: ServerResponse): Promise<void> {
  try {
    const text = await metrics.text()
    res.writeHead(200, { 'content-type': metrics.contentType }).end(text)
  } catch (err) {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${String(err)}`)
  }
}
