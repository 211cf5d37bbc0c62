import { findMissingPeers, type OptionalPeer } from '../loadOptionalPeer'
import type { RelayCliConfig } from './parseRelayArgs'

/** The optional peers a relay started with `config` loads: socket.io, its store's, prom-client for metrics. */
function relayPeers(config: RelayCliConfig): OptionalPeer[] {
  const metrics: OptionalPeer[] = config.metrics ? ['prom-client'] : []
  if (config.redis !== undefined) {
    return ['socket.io', 'ioredis', '@socket.io/redis-adapter', ...metrics]
  }
  if (config.db !== undefined) return ['socket.io', 'better-sqlite3', ...metrics]
  return ['socket.io', ...metrics]
}

/**
 * Checks, before anything starts, that the packages this relay needs are
 * installed, so a fresh install that lacks several hears about all of them at
 * once. Returns the message to print (naming the `npm install` command), or
 * `undefined` when nothing is missing.
 *
 * @example
 * ```ts
 * const problem = checkRelayPeers(config)
 * if (problem) process.stderr.write(`${problem}\n`)
 * ```
 */
export function checkRelayPeers(config: RelayCliConfig): string | undefined {
  const missing = findMissingPeers(relayPeers(config))
  if (missing.length === 0) return undefined
  const store =
    config.redis !== undefined ? ' with --redis' : config.db !== undefined ? ' on SQLite' : ''
  const what = missing.length === 1 ? 'the package' : 'the packages'
  // Metrics are on by default: say how to do without them rather than only what to install.
  const orNoMetrics = missing.includes('prom-client') ? ' (or pass --no-metrics)' : ''
  return `patchwire relay${store} needs ${what} ${missing.join(', ')}, not installed. Install: npm install ${missing.join(' ')}${orNoMetrics}`
}
