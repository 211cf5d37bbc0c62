import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis'
import { PatchwireError } from '../../src/errors'

/** `redis+cluster://` or `rediss+cluster://` (TLS): a Redis Cluster given by some of its nodes. */
const CLUSTER_URL = /^(rediss?)\+cluster:\/\/(.*)$/

/** Whether a connection string names a Redis Cluster rather than one server. */
export function isClusterUrl(url: string): boolean {
  return CLUSTER_URL.test(url)
}

/** Whether an ioredis client is a `Cluster` (ioredis marks it with `isCluster`). */
export function isCluster(client: Redis | Cluster): client is Cluster {
  return (client as { isCluster?: unknown }).isCluster === true
}

/** The seed nodes and per-node options a cluster URL stands for. */
export interface ClusterAddress {
  nodes: { host: string; port: number }[]
  redisOptions: RedisOptions
}

/**
 * Reads `redis+cluster://[user:password@]host:port,host:port,…`: a few nodes
 * of the cluster are enough, ioredis discovers the others with CLUSTER SLOTS.
 * A plain URL cannot carry several hosts, which is why this has a grammar of
 * its own.
 */
export function parseClusterUrl(url: string): ClusterAddress {
  const match = CLUSTER_URL.exec(url)
  const bad = (why: string) =>
    new PatchwireError(
      'option',
      `A Redis Cluster URL looks like redis+cluster://host:port,host:port; "${url}" ${why}.`,
      { option: 'url', received: url },
    )
  if (!match) throw bad('has another scheme')
  const [, scheme, rest = ''] = match
  const at = rest.lastIndexOf('@')
  const auth = at >= 0 ? rest.slice(0, at) : ''
  const hosts = (at >= 0 ? rest.slice(at + 1) : rest).replace(/\/.*$/, '')
  const nodes = hosts
    .split(',')
    .filter((h) => h !== '')
    .map((h) => {
      const colon = h.lastIndexOf(':')
      const host = colon >= 0 ? h.slice(0, colon) : h
      const port = colon >= 0 ? Number(h.slice(colon + 1)) : 6379
      if (host === '' || !Number.isInteger(port) || port <= 0 || port > 65_535) {
        throw bad(`has a node "${h}" that is not host:port`)
      }
      return { host: host.replace(/^\[(.*)\]$/, '$1'), port }
    })
  if (nodes.length === 0) throw bad('names no node')
  const redisOptions: RedisOptions = {}
  if (auth !== '') {
    const colon = auth.indexOf(':')
    const user = decodeURIComponent(colon >= 0 ? auth.slice(0, colon) : '')
    const password = decodeURIComponent(colon >= 0 ? auth.slice(colon + 1) : auth)
    if (user !== '') redisOptions.username = user
    if (password !== '') redisOptions.password = password
  }
  if (scheme === 'rediss') redisOptions.tls = {}
  return { nodes, redisOptions }
}

/** The URL as it may be logged: credentials removed. */
export function redactClusterUrl(url: string): string {
  return url.replace(/(\+cluster:\/\/)[^@]*@/, '$1')
}

/**
 * Cluster options with the same fail-fast stance as a single connection
 * (see FAIL_FAST_OPTIONS): no offline queue, no per-node retries, so a write
 * during a failover is refused as `unavailable` and re-pushed by its client,
 * while ioredis refreshes the slot map and follows MOVED/ASK by itself.
 */
export function failFastClusterOptions(
  redisOptions: RedisOptions,
  retry: (attempt: number) => number,
): ClusterOptions {
  return {
    enableOfflineQueue: false,
    clusterRetryStrategy: retry,
    // Writes and the reads that decide them go to masters only: a replica may lag.
    scaleReads: 'master',
    redisOptions: { ...redisOptions, maxRetriesPerRequest: 0 },
  }
}

/**
 * Every key matching `pattern`, from every master: SCAN walks one server's
 * keyspace, and on a cluster each master holds only its own slots.
 */
export async function scanEveryMaster(client: Redis | Cluster, pattern: string): Promise<string[]> {
  const servers = isCluster(client) ? client.nodes('master') : [client]
  const found: string[] = []
  await Promise.all(
    servers.map(async (server) => {
      let cursor = '0'
      do {
        const [next, batch] = await server.scan(cursor, 'MATCH', pattern, 'COUNT', 500)
        cursor = next
        found.push(...batch)
      } while (cursor !== '0')
    }),
  )
  return found
}
