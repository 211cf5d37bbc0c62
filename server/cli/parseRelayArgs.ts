import { parseArgs } from 'node:util'
import { isLogLevel, type LogLevel } from './createLogger'

/** The relay's command-line settings. */
export interface RelayCliConfig {
  port: number
  host: string
  /** SQLite file; `undefined` with `--memory` or `--redis`. */
  db: string | undefined
  /** Redis URL: rooms live in Redis and fan-out goes through it, for several relay nodes. */
  redis: string | undefined
  corsOrigins: string[]
  jwtSecret: string | undefined
  jwks: string | undefined
  jwtAudience: string | undefined
  jwtIssuer: string | undefined
  insecure: boolean
  staticDir: string | undefined
  compactEvery: number | undefined
  /** The rooms' schema version; a join with another major is refused `skew`. */
  schemaVersion: string | undefined
  /** A module exporting the room schema (see `loadRoomSchema`). */
  schemaModule: string | undefined
  /** Serve Prometheus metrics on `GET /metrics` (`--no-metrics` turns them off). */
  metrics: boolean
  logLevel: LogLevel
  help: boolean
}

export const RELAY_USAGE = `Usage: patchwire relay [options]

  --port <n>            port to listen on; 0 picks a free one (default 8787)
  --host <addr>         address to bind (default 127.0.0.1)
  --db <file>           SQLite file (default ./.data/patchwire.db)
  --memory              keep rooms in memory instead (lost on exit)
  --redis <url>         keep rooms in Redis and fan out through it, to run several
                        relay nodes side by side (redis://[:password@]host:port[/db])
  --cors-origin <url>   allow browser pages from this origin (repeatable; * for any)
  --jwt-secret <s>      verify HS256 tokens with this secret (or PATCHWIRE_JWT_SECRET)
  --jwks <url>          verify tokens against this JWKS URL
  --jwt-audience <aud>  required token audience
  --jwt-issuer <iss>    required token issuer
  --insecure            allow no authentication on a non-loopback address
  --static <dir>        also serve the files of <dir> over http
  --compact-every <n>   snapshot and compact a room's log every n changes (default 1000)
  --schema-version <v>  the rooms' schema version (major.minor); a join from
                        another major is refused as skew (default: not checked)
  --schema <module>     a module whose default (or named "schema") export is a
                        Standard Schema every room's state must pass, or a
                        function (room) => schema | undefined (default: none)
  --no-metrics          do not serve Prometheus metrics on GET /metrics (default:
                        served; they need the package prom-client)
  --log-level <level>   debug | info | warn | error (default info)
  -h, --help            show this help
`

/** Parses `patchwire relay` arguments; throws an Error whose message says what was wrong. */
export function parseRelayArgs(
  args: string[],
  env: Record<string, string | undefined> = process.env,
): RelayCliConfig {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string', default: '8787' },
      host: { type: 'string', default: '127.0.0.1' },
      db: { type: 'string', default: './.data/patchwire.db' },
      memory: { type: 'boolean', default: false },
      redis: { type: 'string' },
      'cors-origin': { type: 'string', multiple: true },
      'jwt-secret': { type: 'string' },
      jwks: { type: 'string' },
      'jwt-audience': { type: 'string' },
      'jwt-issuer': { type: 'string' },
      insecure: { type: 'boolean', default: false },
      static: { type: 'string' },
      'compact-every': { type: 'string' },
      'schema-version': { type: 'string' },
      schema: { type: 'string' },
      'no-metrics': { type: 'boolean', default: false },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be an integer from 0 to 65535, received "${values.port}".`)
  }
  const compactEvery =
    values['compact-every'] === undefined ? undefined : Number(values['compact-every'])
  if (compactEvery !== undefined && (!Number.isSafeInteger(compactEvery) || compactEvery < 1)) {
    throw new Error(
      `--compact-every must be a positive integer, received "${values['compact-every']}".`,
    )
  }
  if (!isLogLevel(values['log-level'])) {
    throw new Error(
      `--log-level must be debug, info, warn or error, received "${values['log-level']}".`,
    )
  }
  if (values.redis !== undefined && (values.memory || !/^rediss?:\/\//.test(values.redis))) {
    throw new Error(
      values.memory
        ? 'Pass either --redis or --memory, not both.'
        : `--redis must be a redis:// or rediss:// URL, received "${values.redis}".`,
    )
  }
  const schemaVersion = values['schema-version']
  if (schemaVersion !== undefined && !/^\d+(\.\d+){0,2}$/.test(schemaVersion)) {
    throw new Error(
      `--schema-version must be a version like 2, 2.1 or 2.1.0, received "${schemaVersion}".`,
    )
  }
  if (values.schema === '') throw new Error('--schema needs a module path.')
  const jwtSecret = values['jwt-secret'] ?? env.PATCHWIRE_JWT_SECRET
  if (jwtSecret !== undefined && values.jwks !== undefined) {
    throw new Error('Pass either --jwt-secret or --jwks, not both.')
  }
  return {
    port,
    host: values.host,
    db: values.memory || values.redis !== undefined ? undefined : values.db,
    redis: values.redis,
    corsOrigins: values['cors-origin'] ?? [],
    jwtSecret: jwtSecret || undefined,
    jwks: values.jwks,
    jwtAudience: values['jwt-audience'],
    jwtIssuer: values['jwt-issuer'],
    insecure: values.insecure,
    staticDir: values.static,
    compactEvery,
    schemaVersion,
    schemaModule: values.schema,
    metrics: !values['no-metrics'],
    logLevel: values['log-level'],
    help: values.help,
  }
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.')
}
