import type { RelayLimits } from '../relay/types'
import type { LogLevel } from './createLogger'
import type { FlagValue } from './flagValues'

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
  /** Room versions kept per room. */
  versionsKeep: number | undefined
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
  /** What a switch sets when given (`--no-x` sets `false`). @defaultValue true */
  sets?: boolean
  /** The value when no layer sets one; `undefined` leaves the relay's default. */
  fallback?: unknown
  /** The default as `--help` and the CLI reference (docs/reference/relay-cli.md) show it. */
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
