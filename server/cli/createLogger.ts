import type { RelayLogEntry } from '../relay/types'

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const

/** Log levels, least to most severe. */
export type LogLevel = keyof typeof LEVELS

/**
 * A logger that writes one JSON object per line (`level`, `msg`, `ts` and the
 * event's fields) to `write`, dropping events below `level`.
 *
 * @example
 * ```ts
 * const log = createLogger('info')
 * log({ level: 'info', msg: 'listening', port: 8787 })
 * ```
 */
export function createLogger(
  level: LogLevel = 'info',
  write: (line: string) => void = (line) => process.stdout.write(line),
): (entry: RelayLogEntry) => void {
  const min = LEVELS[level]
  return (entry) => {
    if (LEVELS[entry.level] < min) return
    const { level: l, msg, ...fields } = entry
    write(`${JSON.stringify({ level: l, msg, ts: new Date().toISOString(), ...fields })}\n`)
  }
}

/** True for a known level name. */
export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && Object.hasOwn(LEVELS, value)
}
