import { PatchwireError } from '../../src/errors'
import type { BackoffOptions } from './types'

/** The longest a stream ever waits between attempts. */
export const MAX_BACKOFF_MS = 60_000

/** Reconnect delays for one stream. */
export interface Backoff {
  /** The delay before the next attempt, in ms; each call counts one more failure. */
  next(): number
  /** Failures counted since the last reset. */
  readonly attempts: number
  /** Forgets past failures (after a healthy period). */
  reset(): void
}

/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential
 * Backoff and Jitter"): attempt n waits a uniform random time in
 * [0, min(cap, base * factor^n)). Full jitter spreads the reconnects of many
 * clients after a server restart instead of having them arrive in waves.
 * With a numeric `jitter` j the wait is drawn around the ceiling instead, in
 * [ceiling * (1 - j), ceiling * (1 + j)) and never above the cap: a poller's
 * delays then really grow with each failure, still spread between clients.
 *
 * @example
 * ```ts
 * const backoff = createBackoff({ baseMs: 500, capMs: 30_000 })
 * setTimeout(reconnect, backoff.next())
 * ```
 */
export function createBackoff(options: BackoffOptions = {}): Backoff {
  const base = options.baseMs ?? 500
  const factor = options.factor ?? 2
  const cap = options.capMs ?? 30_000
  const random = options.random ?? Math.random
  const jitter = options.jitter ?? 'full'
  if (!(base >= 0) || !Number.isFinite(base)) {
    throw new PatchwireError('option', `backoff.baseMs must be a number >= 0, received ${base}.`, {
      option: 'backoff.baseMs',
      received: String(base),
    })
  }
  if (!(factor >= 1) || !Number.isFinite(factor)) {
    throw new PatchwireError(
      'option',
      `backoff.factor must be a number >= 1, received ${factor}.`,
      {
        option: 'backoff.factor',
        received: String(factor),
      },
    )
  }
  if (!(cap >= base) || cap > MAX_BACKOFF_MS) {
    throw new PatchwireError(
      'option',
      `backoff.capMs must be between baseMs and ${MAX_BACKOFF_MS}, received ${cap}.`,
      { option: 'backoff.capMs', received: String(cap) },
    )
  }
  if (jitter !== 'full' && !(jitter >= 0 && jitter <= 1)) {
    throw new PatchwireError(
      'option',
      `backoff.jitter must be 'full' or a number between 0 and 1, received ${String(jitter)}.`,
      { option: 'backoff.jitter', received: String(jitter) },
    )
  }
  let attempts = 0
  return {
    next() {
      // Math.min before the power keeps huge attempt counts from overflowing to Infinity.
      const ceiling = Math.min(cap, base * factor ** Math.min(attempts, 64))
      attempts++
      if (jitter === 'full') return Math.floor(random() * ceiling)
      return Math.min(cap, Math.floor(ceiling * (1 + jitter * (2 * random() - 1))))
    },
    get attempts() {
      return attempts
    },
    reset() {
      attempts = 0
    },
  }
}
