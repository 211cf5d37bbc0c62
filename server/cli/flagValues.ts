import { statSync } from 'node:fs'
import { messageOf, PatchwireError } from '../../src/errors'
import { isClusterUrl, parseClusterUrl } from '../store/redisCluster'
import { isLogLevel, type LogLevel } from './createLogger'
import { readJwtKeyFile } from './readJwtKeyFile'

/**
 * Reads one setting's raw value, from a flag (a string, or `true` for a
 * switch), the environment (a string) or the config file (any JSON value),
 * and returns it typed or throws naming `where` (`--port`, `port in
 * ./patchwire.config.json`) and what it received.
 */
export type FlagValue<T> = (raw: unknown, where: string) => T

/** How a raw value is shown in a refusal: strings quoted, the rest as JSON. */
function shown(raw: unknown): string {
  return typeof raw === 'string' ? `"${raw}"` : (JSON.stringify(raw) ?? String(raw))
}

/**
 * The one error of a bad relay setting, whatever layer it came from: the CLI
 * prints its message and exits 2.
 */
export function settingError(message: string, option: string, received: string): PatchwireError {
  return new PatchwireError('option', message, { option, received })
}

/** `<where> must be <expected>, received <raw>.` */
export function badSetting(where: string, expected: string, raw: unknown): PatchwireError {
  return settingError(`${where} must be ${expected}, received ${shown(raw)}.`, where, shown(raw))
}

/** A number written as a flag (`"64"`) or in JSON (`64`); `NaN` for anything else. */
function numberOf(raw: unknown): number {
  if (typeof raw === 'number') return raw
  if (typeof raw === 'string' && raw.trim() !== '') return Number(raw)
  return Number.NaN
}

/** A port, 0 to 65535 (0 picks a free one). */
export const port: FlagValue<number> = (raw, where) => {
  const n = numberOf(raw)
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw badSetting(where, 'an integer from 0 to 65535', raw)
  }
  return n
}

/** A count: an integer of 1 or more. */
export const positiveInteger: FlagValue<number> = (raw, where) => {
  const n = numberOf(raw)
  if (!Number.isSafeInteger(n) || n < 1) throw badSetting(where, 'a positive integer', raw)
  return n
}

/** A rate: any number above 0 (`0.5` is one every two seconds). */
export const positiveNumber: FlagValue<number> = (raw, where) => {
  const n = numberOf(raw)
  if (!Number.isFinite(n) || n <= 0) throw badSetting(where, 'a positive number', raw)
  return n
}

/** A duration that may be 0. */
export const nonNegativeNumber: FlagValue<number> = (raw, where) => {
  const n = numberOf(raw)
  if (!Number.isFinite(n) || n < 0) throw badSetting(where, 'a number of 0 or more', raw)
  return n
}

/** Any non-empty string. */
export const text: FlagValue<string> = (raw, where) => {
  if (typeof raw !== 'string' || raw === '') throw badSetting(where, 'a non-empty string', raw)
  return raw
}

/** A switch: present on the command line, or `true` / `false` in the file. */
export const on: FlagValue<boolean> = (raw, where) => {
  if (typeof raw !== 'boolean') throw badSetting(where, 'true or false', raw)
  return raw
}

/**
 * A list: a flag may repeat and each value may be a comma list
 * (`--cors-origin a,b --cors-origin c`); the file gives a string or an array.
 */
export const list: FlagValue<string[]> = (raw, where) => {
  const parts = typeof raw === 'string' ? [raw] : raw
  if (!Array.isArray(parts) || parts.some((p) => typeof p !== 'string')) {
    throw badSetting(where, 'a string or an array of strings', raw)
  }
  const items: string[] = []
  for (const part of parts as string[]) {
    const split = part.split(',').map((p) => p.trim())
    if (split.some((p) => p === '')) {
      throw badSetting(where, 'a comma-separated list without empty entries', part)
    }
    items.push(...split)
  }
  if (items.length === 0) throw badSetting(where, 'a non-empty list', raw)
  return items
}

/** One of the logger's levels. */
export const logLevel: FlagValue<LogLevel> = (raw, where) => {
  if (!isLogLevel(raw)) throw badSetting(where, 'debug, info, warn or error', raw)
  return raw
}

/** A schema version: `2`, `2.1` or `2.1.0` (a JSON number is taken too). */
export const version: FlagValue<string> = (raw, where) => {
  const v = typeof raw === 'number' ? String(raw) : raw
  if (typeof v !== 'string' || !/^\d+(\.\d+){0,2}$/.test(v)) {
    throw badSetting(where, 'a version like 2, 2.1 or 2.1.0', raw)
  }
  return v
}

/** A `redis://` or `rediss://` URL, or `redis+cluster://host:port,host:port` for a Redis Cluster. */
export const redisUrl: FlagValue<string> = (raw, where) => {
  const expected = 'a redis://, rediss:// or redis+cluster://host:port,host:port URL'
  if (typeof raw !== 'string') throw badSetting(where, expected, raw)
  if (isClusterUrl(raw)) {
    try {
      parseClusterUrl(raw)
    } catch {
      throw badSetting(where, expected, raw)
    }
    return raw
  }
  if (!/^rediss?:\/\//.test(raw)) throw badSetting(where, expected, raw)
  return raw
}

/** An `http://` or `https://` URL. */
export const httpUrl: FlagValue<string> = (raw, where) => {
  if (typeof raw !== 'string' || !URL.canParse(raw) || !/^https?:$/.test(new URL(raw).protocol)) {
    throw badSetting(where, 'an http:// or https:// URL', raw)
  }
  return raw
}

/** A path that must name an existing file (read when the relay starts). */
export const existingFile: FlagValue<string> = (raw, where) => {
  const path = text(raw, where)
  if (!statSync(path, { throwIfNoEntry: false })?.isFile()) {
    throw badSetting(where, 'an existing file', raw)
  }
  return path
}

/** A path that must name an existing folder. */
export const existingDir: FlagValue<string> = (raw, where) => {
  const path = text(raw, where)
  if (!statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
    throw badSetting(where, 'an existing directory', raw)
  }
  return path
}

/** A public key file `jwtAuth` can verify with: read now, so a bad one stops the start. */
export const jwtKeyFile: FlagValue<string> = (raw, where) => {
  const path = existingFile(raw, where)
  try {
    readJwtKeyFile(path)
  } catch (err) {
    throw badSetting(where, `a PEM public key or a JWK / JWKS JSON file (${messageOf(err)})`, raw)
  }
  return path
}
