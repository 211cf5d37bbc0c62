import { PatchwireError } from '../../src/errors'
import type { PersistMigration } from './types'

/** The versions that have a migration and are older than `version`, newest first: where old data may be stored. */
export function olderVersions(
  migrate: Record<number, PersistMigration>,
  version: number,
): number[] {
  return Object.keys(migrate)
    .map(Number)
    .filter((v) => Number.isInteger(v) && v < version)
    .sort((a, b) => b - a)
}

/**
 * Runs every migration from `from` (inclusive) up to `to` (exclusive), in
 * version order, on a copy of the stored state. Throws a
 * `PatchwireError('migrate')` naming the step that failed; the stored data is
 * never touched here.
 *
 * @example
 * ```ts
 * runMigrations('cart', { cart: [] }, 1, 3, { 1: (s) => ({ ...s, cart: { items: s.cart } }), 2: (s) => s })
 * ```
 */
export function runMigrations(
  key: string,
  state: Record<string, unknown>,
  from: number,
  to: number,
  migrate: Record<number, PersistMigration>,
): Record<string, unknown> {
  const steps = Object.keys(migrate)
    .map(Number)
    .filter((v) => v >= from && v < to)
    .sort((a, b) => a - b)
  let current = state
  for (const step of steps) {
    const fn = migrate[step]
    if (!fn) continue
    try {
      const next = fn({ ...current })
      if (next === null || typeof next !== 'object' || Array.isArray(next)) {
        throw new TypeError(
          `it returned ${next === null ? 'null' : typeof next}, expected an object of top-level keys`,
        )
      }
      current = next
    } catch (cause) {
      throw new PatchwireError(
        'migrate',
        `Migrating "${key}" from version ${step} failed: ${cause instanceof Error ? cause.message : String(cause)}. Stored data is kept as it is.`,
        { key, from: step, to },
        { cause },
      )
    }
  }
  return current
}
