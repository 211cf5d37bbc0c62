import { settingError } from './flagValues'
import { configFileLayer, loadConfigObject, readJsonConfig } from './readConfigFile'
import { readRelayEnv, readRelayFlags, type SettingLayer } from './readRelayFlags'
import { RELAY_FLAGS, type RelayCliConfig } from './relayFlags'

export type { RelayCliConfig } from './relayFlags'
export { RELAY_USAGE } from './relayUsage'

/** The `--config` file a command line names, checked to exist. */
function configPath(entry: { raw: unknown; where: string }): string {
  return RELAY_FLAGS.find((r) => r.key === 'config')!.read(entry.raw, entry.where) as string
}

/**
 * Resolves every setting from its layers, first that has it wins: flags,
 * environment, config file, then the row's fallback; checks each value and
 * the settings that exclude or need each other.
 */
function resolveLayers(layers: readonly SettingLayer[]): RelayCliConfig {
  const config: Record<string, unknown> = {}
  for (const row of RELAY_FLAGS) {
    const found = layers.map((l) => l.get(row.key)).find((v) => v !== undefined)
    const value = found ? row.read(found.raw, found.where) : row.fallback
    const [head, leaf] = row.key.split('.') as [string, string | undefined]
    if (leaf === undefined) config[head] = value
    else {
      config[head] ??= {}
      if (value !== undefined) (config[head] as Record<string, unknown>)[leaf] = value
    }
  }
  const settled = config as unknown as RelayCliConfig
  if (settled.redis !== undefined && settled.memory) {
    throw settingError('Pass either --redis or --memory, not both.', '--redis', 'both')
  }
  if (settled.redis !== undefined || settled.memory) settled.db = undefined
  const { secret, publicKey, jwks, ...checks } = settled.jwt
  const keys = [secret, publicKey, jwks].filter((k) => k !== undefined)
  if (keys.length > 1) {
    throw settingError(
      'Pass only one of --jwt-secret, --jwt-public-key or --jwks.',
      '--jwt-secret',
      `${keys.length} keys`,
    )
  }
  const orphan = Object.keys(checks).find((k) => checks[k as keyof typeof checks] !== undefined)
  if (keys.length === 0 && orphan !== undefined) {
    const flag = RELAY_FLAGS.find((r) => r.key === `jwt.${orphan}`)?.flag ?? orphan
    throw settingError(
      `--${flag} needs a key to verify tokens with: --jwt-secret, --jwt-public-key or --jwks.`,
      `--${flag}`,
      'no key',
    )
  }
  return settled
}

/**
 * Parses `patchwire relay` arguments (and `PATCHWIRE_JWT_SECRET` from `env`)
 * over a JSON `--config` file, synchronously; a .js/.mjs config file needs
 * `loadRelayConfig`. Throws a `PatchwireError('option')` whose message names
 * the flag or config key and what it received.
 *
 * @example
 * ```ts
 * const config = parseRelayArgs(['--port', '0', '--memory', '--max-ops-per-change', '200'])
 * config.limits.maxOpsPerChange // 200
 * ```
 */
export function parseRelayArgs(
  args: readonly string[],
  env: Record<string, string | undefined> = process.env,
  fileSettings?: unknown,
): RelayCliConfig {
  const flags = readRelayFlags(args)
  const entry = flags.get('config')
  if (!entry) return resolveLayers([flags, readRelayEnv(env)])
  const file = configPath(entry)
  const settings = fileSettings === undefined ? readJsonConfig(file) : fileSettings
  return resolveLayers([flags, readRelayEnv(env), configFileLayer(file, settings)])
}

/**
 * `parseRelayArgs` with any `--config` file: JSON, or a .js/.mjs module whose
 * default export is the settings object.
 *
 * @example
 * ```ts
 * const config = await loadRelayConfig(['--config', 'patchwire.config.mjs', '--port', '0'])
 * ```
 */
export async function loadRelayConfig(
  args: readonly string[],
  env: Record<string, string | undefined> = process.env,
): Promise<RelayCliConfig> {
  const entry = readRelayFlags(args).get('config')
  if (!entry) return parseRelayArgs(args, env)
  return parseRelayArgs(args, env, await loadConfigObject(configPath(entry)))
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.')
}
