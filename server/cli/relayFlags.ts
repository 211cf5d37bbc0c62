import { DEFAULT_LIMITS } from '../relay/limits'
import type { RelayLimits } from '../relay/types'
import type { LogLevel } from './createLogger'
import {
  existingDir,
  existingFile,
  type FlagValue,
  httpUrl,
  jwtKeyFile,
  list,
  logLevel,
  nonNegativeNumber,
  on,
  port,
  positiveInteger,
  positiveNumber,
  redisUrl,
  text,
  version,
} from './flagValues'

/**
 * The relay's settings, shaped as the config file writes them: every flag
 * sets one of these paths (`--max-ops-per-change` → `limits.maxOpsPerChange`).
 * A relay option left `undefined` gets `createRelay`'s own default.
 */
export interface RelayCliConfig {
  port: number
  host: string
  /** SQLite file; `undefined` with `memory` or `redis`. */
  db: string | undefined
  memory: boolean
  /** Redis URL: rooms live in Redis and fan-out goes through it, for several relay nodes. */
  redis: string | undefined
  /** A folder also served over http. */
  static: string | undefined
  insecure: boolean
  /** Serve Prometheus metrics on `GET /metrics` (`--no-metrics` turns them off). */
  metrics: boolean
  logLevel: LogLevel
  /** Browser origins allowed; `*` allows any. */
  cors: { origin: string[] }
  /** `jwtAuth` options; the CLI verifies tokens when one of `secret`, `publicKey`, `jwks` is set. */
  jwt: {
    secret: string | undefined
    /** A PEM public key, JWK or JWKS file. */
    publicKey: string | undefined
    jwks: string | undefined
    audience: string[] | undefined
    issuer: string[] | undefined
    algorithms: string[] | undefined
    clockToleranceSeconds: number | undefined
  }
  limits: Partial<RelayLimits>
  compactEvery: number | undefined
  keepTail: number | undefined
  /** How long a presence entry lives without a heartbeat. */
  presenceTtlMs: number | undefined
  /** The rooms' schema version; a join with another major is refused `skew`. */
  schemaVersion: string | undefined
  /** A module exporting the room schema (see `loadRoomSchema`). */
  schema: string | undefined
  /** The config file the settings were read from. */
  config: string | undefined
  help: boolean
}

/** Every leaf path of `T`, dotted: `port`, `limits.maxOpsPerChange`. */
type Leaves<T> = {
  [K in keyof T & string]-?: NonNullable<T[K]> extends readonly unknown[]
    ? K
    : NonNullable<T[K]> extends object
      ? `${K}.${Leaves<NonNullable<T[K]>>}`
      : K
}[keyof T & string]

/** A setting's path in `RelayCliConfig`, which is also its config file key. */
export type RelaySettingKey = Leaves<RelayCliConfig>

/** One row of the flag table: how a setting is spelled, read, defaulted and explained. */
export interface RelayFlag {
  /** The flag without its dashes. */
  flag: string
  /** Where its value goes; also its key in the config file. */
  key: RelaySettingKey
  /** Reads and checks a raw value, naming where it came from when refusing it. */
  read: FlagValue<unknown>
  /** The value's placeholder in `--help` (`<n>`); absent for a switch. */
  arg?: string
  /** What a switch sets when given (`--no-x` sets `false`). @default true */
  sets?: boolean
  /** The value when no layer sets one; `undefined` leaves the relay's default. */
  fallback?: unknown
  /** The default as `--help` and the README show it. */
  shown: string
  doc: string
  /** An environment variable that sets it (below flags, above the file). */
  env?: string
  short?: string
  /** A path: written in the config file, it is relative to the file's folder. */
  path?: true
  /** Only a flag: the config file cannot set it. */
  flagOnly?: true
  /** The `--help` section it is listed under. */
  group: string
}

const limit = (
  flag: string,
  key: keyof RelayLimits,
  doc: string,
  read: FlagValue<number> = positiveInteger,
): RelayFlag => ({
  flag,
  key: `limits.${key}`,
  read,
  arg: '<n>',
  shown: String(DEFAULT_LIMITS[key]),
  doc,
  group: 'Limits (per socket; over one, a message is refused with a typed reason)',
})

/**
 * Every `patchwire relay` setting, in `--help` order. Add a setting by adding
 * a row here (and its field to `RelayCliConfig`): parsing, the config file,
 * precedence and `--help` follow from the row.
 */
export const RELAY_FLAGS: readonly RelayFlag[] = [
  {
    flag: 'config',
    key: 'config',
    read: existingFile,
    arg: '<file>',
    shown: 'none',
    doc: 'read settings from this JSON (or .js/.mjs) file, keyed as in the README; flags override it',
    flagOnly: true,
    group: 'General',
  },
  {
    flag: 'port',
    key: 'port',
    read: port,
    arg: '<n>',
    fallback: 8787,
    shown: '8787',
    doc: 'port to listen on; 0 picks a free one',
    group: 'General',
  },
  {
    flag: 'host',
    key: 'host',
    read: text,
    arg: '<addr>',
    fallback: '127.0.0.1',
    shown: '127.0.0.1',
    doc: 'address to bind',
    group: 'General',
  },
  {
    flag: 'static',
    key: 'static',
    read: existingDir,
    arg: '<dir>',
    shown: 'none',
    doc: 'also serve the files of <dir> over http',
    path: true,
    group: 'General',
  },
  {
    flag: 'log-level',
    key: 'logLevel',
    read: logLevel,
    arg: '<level>',
    fallback: 'info',
    shown: 'info',
    doc: 'debug | info | warn | error',
    group: 'General',
  },
  {
    flag: 'no-metrics',
    key: 'metrics',
    read: on,
    sets: false,
    fallback: true,
    shown: 'served',
    doc: 'do not serve Prometheus metrics on GET /metrics (they need the package prom-client)',
    group: 'General',
  },
  {
    flag: 'insecure',
    key: 'insecure',
    read: on,
    fallback: false,
    shown: 'off',
    doc: 'allow no authentication on a non-loopback address',
    group: 'General',
  },
  {
    flag: 'db',
    key: 'db',
    read: text,
    arg: '<file>',
    fallback: './.data/patchwire.db',
    shown: './.data/patchwire.db',
    doc: 'SQLite file (created with its folder)',
    path: true,
    group: 'Store',
  },
  {
    flag: 'memory',
    key: 'memory',
    read: on,
    fallback: false,
    shown: 'off',
    doc: 'keep rooms in memory instead (lost on exit)',
    group: 'Store',
  },
  {
    flag: 'redis',
    key: 'redis',
    read: redisUrl,
    arg: '<url>',
    shown: 'none',
    doc: 'keep rooms in Redis and fan out through it, to run several relay nodes side by side (redis://[:password@]host:port[/db])',
    group: 'Store',
  },
  {
    flag: 'compact-every',
    key: 'compactEvery',
    read: positiveInteger,
    arg: '<n>',
    shown: '1000',
    doc: "snapshot and compact a room's log every n changes",
    group: 'Store',
  },
  {
    flag: 'keep-tail',
    key: 'keepTail',
    read: positiveInteger,
    arg: '<n>',
    shown: '200',
    doc: 'changes kept in the log behind a snapshot, so clients a little behind still get changes',
    group: 'Store',
  },
  {
    flag: 'jwt-secret',
    key: 'jwt.secret',
    read: text,
    arg: '<s>',
    shown: 'none',
    doc: 'verify HMAC (HS256…) tokens with this secret',
    env: 'PATCHWIRE_JWT_SECRET',
    group: 'Authentication (one of --jwt-secret, --jwt-public-key, --jwks)',
  },
  {
    flag: 'jwt-public-key',
    key: 'jwt.publicKey',
    read: jwtKeyFile,
    arg: '<file>',
    shown: 'none',
    doc: 'verify tokens with the public key in this PEM, JWK or JWKS file',
    path: true,
    group: 'Authentication (one of --jwt-secret, --jwt-public-key, --jwks)',
  },
  {
    flag: 'jwks',
    key: 'jwt.jwks',
    read: httpUrl,
    arg: '<url>',
    shown: 'none',
    doc: 'verify tokens against the keys this JWKS URL serves',
    group: 'Authentication (one of --jwt-secret, --jwt-public-key, --jwks)',
  },
  {
    flag: 'jwt-issuer',
    key: 'jwt.issuer',
    read: list,
    arg: '<iss>',
    shown: 'not checked',
    doc: 'required token issuer (repeatable or comma list: any of them)',
    group: 'Authentication (one of --jwt-secret, --jwt-public-key, --jwks)',
  },
  {
    flag: 'jwt-audience',
    key: 'jwt.audience',
    read: list,
    arg: '<aud>',
    shown: 'not checked',
    doc: 'required token audience (repeatable or comma list: any of them)',
    group: 'Authentication (one of --jwt-secret, --jwt-public-key, --jwks)',
  },
  {
    flag: 'jwt-algorithm',
    key: 'jwt.algorithms',
    read: list,
    arg: '<alg>',
    shown: "the key's",
    doc: 'accepted signing algorithm, e.g. RS256 (repeatable or comma list)',
    group: 'Authentication (one of --jwt-secret, --jwt-public-key, --jwks)',
  },
  {
    flag: 'jwt-clock-tolerance',
    key: 'jwt.clockToleranceSeconds',
    read: nonNegativeNumber,
    arg: '<s>',
    shown: '5',
    doc: 'seconds of clock difference tolerated for exp and nbf',
    group: 'Authentication (one of --jwt-secret, --jwt-public-key, --jwks)',
  },
  {
    flag: 'cors-origin',
    key: 'cors.origin',
    read: list,
    arg: '<url>',
    fallback: [],
    shown: 'same origin only',
    doc: 'allow browser pages from this origin (repeatable or comma list; * for any)',
    group: 'Rooms',
  },
  {
    flag: 'schema-version',
    key: 'schemaVersion',
    read: version,
    arg: '<v>',
    shown: 'not checked',
    doc: "the rooms' schema version (major.minor); a join from another major is refused as skew",
    group: 'Rooms',
  },
  {
    flag: 'schema',
    key: 'schema',
    read: existingFile,
    arg: '<module>',
    shown: 'none',
    doc: 'a module whose default (or named "schema") export is a Standard Schema every room\'s state must pass, or a function (room) => schema | undefined',
    path: true,
    group: 'Rooms',
  },
  limit('max-payload-bytes', 'maxPayloadBytes', "bytes of one message's JSON (too_large)"),
  limit('max-changes-per-push', 'maxChangesPerPush', 'changes in one push (too_large)'),
  limit('max-ops-per-change', 'maxOpsPerChange', 'ops in one change (too_large)'),
  limit('max-path-depth', 'maxPathDepth', "segments in an op's path (too_large)"),
  limit('max-value-depth', 'maxValueDepth', "nesting of an op's value (too_large)"),
  limit(
    'max-id-length',
    'maxIdLength',
    'length of a room name, client id or change id (too_large)',
  ),
  limit(
    'messages-per-second',
    'messagesPerSecond',
    'messages per second, bursts of twice that (rate_limited)',
    positiveNumber,
  ),
  limit(
    'changes-per-second',
    'changesPerSecond',
    'pushed changes per second, bursts of twice that (rate_limited)',
    positiveNumber,
  ),
  limit(
    'max-violations',
    'maxViolations',
    'refused messages in a burst (refilling one per second) before goodbye and disconnect',
  ),
  limit('max-rooms-per-socket', 'maxRoomsPerSocket', 'rooms one socket may be in (too_large)'),
  limit(
    'max-catch-up',
    'maxCatchUp',
    'changes a join or catch-up returns; further behind gets a snapshot',
  ),
  limit(
    'max-clock-ahead-ms',
    'maxClockAheadMs',
    "how far a change's timestamp may run ahead of the relay's clock (bad_request)",
  ),
  limit('max-presence-bytes', 'maxPresenceBytes', "bytes of one presence value's JSON (too_large)"),
  limit(
    'presence-per-second',
    'presencePerSecond',
    'presence updates per socket per second, bursts of twice that (rate_limited)',
  ),
  {
    flag: 'presence-ttl-ms',
    key: 'presenceTtlMs',
    read: positiveInteger,
    arg: '<n>',
    shown: '30000',
    doc: 'a presence entry without a heartbeat for this long is dropped',
    group: 'Limits (per socket; over one, a message is refused with a typed reason)',
  },
  {
    flag: 'help',
    key: 'help',
    read: on,
    fallback: false,
    shown: '',
    doc: 'show this help',
    short: 'h',
    flagOnly: true,
    group: 'General',
  },
]
