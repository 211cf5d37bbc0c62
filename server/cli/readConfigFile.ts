import { readFileSync } from 'node:fs'
import { dirname, extname, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describeValue, messageOf } from '../../src/errors'
import { settingError } from './flagValues'
import type { SettingLayer } from './readRelayFlags'
import { RELAY_FLAGS, type RelayFlag, type RelaySettingKey } from './relayFlags'

const MODULE = new Set(['.js', '.mjs', '.cjs'])

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const refuse = (file: string, message: string, received: string) =>
  settingError(`--config ${file}: ${message}`, '--config', received)

/** Reads a JSON config file synchronously; a module needs `loadConfigObject`. */
export function readJsonConfig(file: string): unknown {
  if (MODULE.has(extname(file))) {
    throw refuse(file, 'a .js/.mjs config file is loaded with loadRelayConfig.', file)
  }
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    throw refuse(file, `not valid JSON (${messageOf(err)}).`, file)
  }
}

/** Reads a config file: JSON, or a .js/.mjs/.cjs module whose default export is the settings. */
export async function loadConfigObject(file: string): Promise<unknown> {
  if (!MODULE.has(extname(file))) return readJsonConfig(file)
  const mod = (await import(pathToFileURL(resolve(file)).href)) as { default?: unknown }
  return mod.default
}

/**
 * Turns the settings of a config file into a layer, keyed as the flag table
 * keys them (`{ "limits": { "maxOpsPerChange": 200 } }` → `limits.maxOpsPerChange`).
 * A key no setting has, or a flag-only one (`config`, `help`), is refused
 * naming the key; path settings are resolved against the file's folder.
 */
export function configFileLayer(file: string, settings: unknown): SettingLayer {
  if (!isPlainObject(settings)) {
    throw refuse(file, `the settings must be an object, received ${describeValue(settings)}.`, file)
  }
  const rows = new Map<string, RelayFlag>(
    RELAY_FLAGS.filter((r) => !r.flagOnly).map((r) => [r.key, r]),
  )
  const groups = new Set(
    [...rows.keys()].flatMap((k) => (k.includes('.') ? [k.split('.')[0]] : [])),
  )
  const layer: SettingLayer = new Map()
  const walk = (object: Record<string, unknown>, prefix: string): void => {
    for (const [name, raw] of Object.entries(object)) {
      const key = `${prefix}${name}`
      const row = rows.get(key)
      if (row) {
        const value = row.path && typeof raw === 'string' ? resolve(dirname(file), raw) : raw
        layer.set(row.key as RelaySettingKey, { raw: value, where: `${key} in ${file}` })
      } else if (prefix === '' && groups.has(key)) {
        if (!isPlainObject(raw)) {
          throw refuse(file, `"${key}" must be an object, received ${describeValue(raw)}.`, key)
        }
        walk(raw, `${key}.`)
      } else {
        throw refuse(
          file,
          `unknown key "${key}" (the keys are listed in docs/reference/relay-cli.md).`,
          key,
        )
      }
    }
  }
  walk(settings, '')
  return layer
}
