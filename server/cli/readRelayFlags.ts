import { list, settingError as refuse } from './flagValues'
import { RELAY_FLAGS, type RelayFlag, type RelaySettingKey } from './relayFlags'

/** Raw values of one layer (flags, environment, config file), each with where it came from. */
export type SettingLayer = Map<RelaySettingKey, { raw: unknown; where: string }>

/**
 * Reads the command line against the flag table: `--flag value`,
 * `--flag=value`, switches without a value, list flags repeated. Values stay
 * raw (checked when the layers are resolved); an unknown flag, a value
 * missing or given to a switch, or a stray argument throws naming it.
 */
export function readRelayFlags(args: readonly string[]): SettingLayer {
  const byName = new Map<string, RelayFlag>()
  for (const row of RELAY_FLAGS) {
    byName.set(`--${row.flag}`, row)
    if (row.short) byName.set(`-${row.short}`, row)
  }
  const layer: SettingLayer = new Map()
  for (let i = 0; i < args.length; i++) {
    const token = args[i] ?? ''
    const eq = token.startsWith('--') ? token.indexOf('=') : -1
    const name = eq > 0 ? token.slice(0, eq) : token
    const row = byName.get(name)
    if (!row) {
      throw token.startsWith('-')
        ? refuse(`Unknown flag ${name}, received "${token}".`, name, token)
        : refuse(`Unexpected argument "${token}": every setting is a --flag.`, token, token)
    }
    const where = `--${row.flag}`
    let raw: unknown
    if (!row.arg) {
      if (eq > 0) throw refuse(`${where} takes no value, received "${token}".`, where, token)
      raw = row.sets ?? true
    } else if (eq > 0) {
      raw = token.slice(eq + 1)
    } else {
      const next = args[i + 1]
      // `--port --memory` is a forgotten value, not a port named "--memory"; a
      // lone dash (`-5`) is still taken, so a negative number is refused as one.
      if (next === undefined || next.startsWith('--')) {
        throw refuse(
          `${where} needs a value ${row.arg}, received ${next === undefined ? 'nothing' : `"${next}"`}.`,
          where,
          next ?? '',
        )
      }
      raw = next
      i++
    }
    // A list flag adds to its earlier values; any other flag given twice keeps the last.
    const before = layer.get(row.key)?.raw
    if (row.read === list && Array.isArray(before)) raw = [...before, raw]
    else if (row.read === list) raw = [raw]
    layer.set(row.key, { raw, where })
  }
  return layer
}

/** The settings the environment gives (only the rows that name a variable; empty means unset). */
export function readRelayEnv(env: Record<string, string | undefined>): SettingLayer {
  const layer: SettingLayer = new Map()
  for (const row of RELAY_FLAGS) {
    const value = row.env === undefined ? undefined : env[row.env]
    if (row.env !== undefined && value) layer.set(row.key, { raw: value, where: row.env })
  }
  return layer
}
