import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import { serveRoomSnapshot } from '../api/serveRoomSnapshot'
import { jwtAuth } from '../auth/jwtAuth'
import { createRelay } from '../createRelay'
import { serveMetrics } from '../metrics/serveMetrics'
import { redactRedisUrl } from '../relay/redisOption'
import type { Relay } from '../relay/types'
import { memoryStore } from '../store/memoryStore'
import { sqliteStore } from '../store/sqliteStore'
import { createLogger } from './createLogger'
import { loadRoomSchema } from './loadRoomSchema'
import { isLoopback, type RelayCliConfig } from './parseRelayArgs'
import { readJwtKeyFile } from './readJwtKeyFile'
import { type RequestHandler, serveStatic } from './serveStatic'

/** A relay started from the command line. */
export interface RunningRelay {
  relay: Relay
  port: number
  /** Where it listens, as a client would connect: `http://127.0.0.1:8787`. */
  url: string
  /** Graceful shutdown: goodbye to every socket, close them, the server and the store. */
  shutdown(): Promise<void>
}

/**
 * Starts the relay the CLI describes: the http server (health, metrics, then
 * static files, then 404), the store, auth, and JSON-line logging. Refuses to run
 * without authentication on a non-loopback address unless `insecure`.
 *
 * @example
 * ```ts
 * const { port } = await runRelay(parseRelayArgs(['--port', '0', '--memory']))
 * ```
 */
export async function runRelay(
  config: RelayCliConfig,
  write?: (line: string) => void,
): Promise<RunningRelay> {
  const log = createLogger(config.logLevel, write)
  const { secret, publicKey, jwks, ...checks } = config.jwt
  const secured = secret !== undefined || publicKey !== undefined || jwks !== undefined
  if (!secured) {
    if (!isLoopback(config.host) && !config.insecure) {
      throw new Error(
        `Refusing to serve ${config.host} without authentication: pass --jwt-secret, --jwt-public-key, --jwks, or --insecure.`,
      )
    }
    log({
      level: 'warn',
      msg: 'NO AUTHENTICATION: every client may read and write every room. Use --jwt-secret, --jwt-public-key or --jwks outside local development.',
    })
  }
  // Loaded before any store opens, so a bad module fails the start with nothing to clean up.
  const schema = config.schema ? await loadRoomSchema(config.schema) : undefined
  // With --redis the relay opens its Redis store, fan-out and room leases itself;
  // the node id is chosen here so the listening line can name it.
  const redisNode = config.redis ? randomUUID() : undefined
  const storage =
    config.redis && redisNode
      ? { redis: { connection: config.redis, ownership: { node: redisNode } } }
      : { store: config.db ? sqliteStore({ file: config.db }) : memoryStore() }

  let relay: Relay | undefined
  const handlers: RequestHandler[] = [
    async (req, res) => {
      if (req.method !== 'GET' || req.url?.split('?')[0] !== '/healthz' || !relay) return false
      const health = await relay.health()
      res.writeHead(health.ok ? 200 : 503, { 'content-type': 'application/json' })
      res.end(JSON.stringify(health))
      return true
    },
    async (req, res) => {
      if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics' || !relay?.metrics) {
        return false
      }
      await serveMetrics(relay.metrics, res)
      return true
    },
    async (req, res) => (relay ? serveRoomSnapshot(req, res, relay) : false),
  ]
  if (config.static) handlers.push(serveStatic(config.static))
  const httpServer = createServer(async (req, res) => {
    for (const handle of handlers) if (await handle(req, res)) return
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
  })

  const origins = config.cors.origin
  relay = createRelay({
    ...storage,
    httpServer,
    log,
    limits: config.limits,
    metrics: config.metrics,
    ...(config.compactEvery !== undefined ? { compactEvery: config.compactEvery } : {}),
    ...(config.keepTail !== undefined ? { keepTail: config.keepTail } : {}),
    ...(config.versionsKeep !== undefined ? { versions: { keep: config.versionsKeep } } : {}),
    ...(config.presenceTtlMs !== undefined ? { presenceTtlMs: config.presenceTtlMs } : {}),
    ...(schema ? { schema } : {}),
    ...(config.schemaVersion !== undefined ? { schemaVersion: config.schemaVersion } : {}),
    ...(origins.length > 0 ? { cors: { origin: origins.includes('*') ? true : origins } } : {}),
    ...(secured
      ? {
          authenticate: jwtAuth({
            ...(secret !== undefined ? { secret } : {}),
            ...(jwks !== undefined ? { jwks } : {}),
            // A key file becomes a local key set: jose picks its key by the token's algorithm.
            ...(publicKey !== undefined ? { jwks: readJwtKeyFile(publicKey) } : {}),
            ...(checks.audience !== undefined ? { audience: checks.audience } : {}),
            ...(checks.issuer !== undefined ? { issuer: checks.issuer } : {}),
            ...(checks.algorithms !== undefined ? { algorithms: checks.algorithms } : {}),
            ...(checks.clockToleranceSeconds !== undefined
              ? { clockToleranceSeconds: checks.clockToleranceSeconds }
              : {}),
          }),
        }
      : {}),
  })
  const port = await relay.listen(config.port, config.host)
  log({
    level: 'info',
    msg: 'listening',
    port,
    host: config.host,
    store: config.redis ? redactRedisUrl(config.redis) : (config.db ?? 'memory'),
    node: redisNode ?? null,
    auth: secured ? 'jwt' : 'none',
    static: config.static ?? null,
    schema: config.schema ?? null,
    config: config.config ?? null,
    schemaVersion: config.schemaVersion ?? null,
    metrics: config.metrics ? '/metrics' : null,
  })
  const running = relay
  return {
    relay: running,
    port,
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    shutdown: async () => {
      log({ level: 'info', msg: 'shutting down' })
      await running.close()
    },
  }
}
