import { describeValue, PatchwireError } from '../../src/errors'
import type { RelayLimits } from './types'

/** The limits a relay applies when its options do not say otherwise. */
export const DEFAULT_LIMITS: Readonly<RelayLimits> = Object.freeze({
  maxPayloadBytes: 1_000_000,
  maxChangesPerPush: 100,
  maxOpsPerChange: 1000,
  maxPathDepth: 32,
  maxValueDepth: 32,
  maxIdLength: 200,
  messagesPerSecond: 100,
  changesPerSecond: 10_000,
  maxViolations: 20,
  maxRoomsPerSocket: 100,
  maxCatchUp: 1000,
  maxClockAheadMs: 600_000,
  maxPresenceBytes: 4096,
  presencePerSecond: 10,
})

/** Merges overrides into the defaults; a limit that is not a positive number throws, naming it. */
export function resolveLimits(overrides: Partial<RelayLimits> = {}): RelayLimits {
  const limits = { ...DEFAULT_LIMITS, ...overrides }
  for (const [key, value] of Object.entries(limits)) {
    if (typeof value !== 'number' || !(value > 0)) {
      throw new PatchwireError(
        'option',
        `limits.${key} must be a positive number, received ${describeValue(value)}.`,
        { option: `limits.${key}`, received: describeValue(value) },
      )
    }
  }
  return limits
}

/** A token bucket: `rate` tokens per second, holding at most `burst`. */
export interface TokenBucket {
  /** Takes `n` tokens if there are that many; false (and takes none) otherwise. */
  take(n?: number): boolean
}

/** Creates a full token bucket. */
export function createTokenBucket(rate: number, burst: number, now: () => number): TokenBucket {
  let tokens = burst
  let last = now()
  return {
    take(n = 1) {
      const t = now()
      tokens = Math.min(burst, tokens + ((t - last) / 1000) * rate)
      last = t
      if (tokens < n) return false
      tokens -= n
      return true
    },
  }
}

/** Messages being handled per key (a room): whether one arrived while another was unanswered. */
export interface InFlight {
  /** Counts a message in; true when another under `key` is still unanswered. */
  enter(key: string): boolean
  /** Counts an answered message out. */
  leave(key: string): void
}

/** Creates an empty in-flight count; keys leave the map once nothing under them is unanswered. */
export function createInFlight(): InFlight {
  const counts = new Map<string, number>()
  return {
    enter(key) {
      const n = counts.get(key) ?? 0
      counts.set(key, n + 1)
      return n > 0
    },
    leave(key) {
      const n = (counts.get(key) ?? 1) - 1
      if (n > 0) counts.set(key, n)
      else counts.delete(key)
    },
  }
}
