/**
 * How a failed write is retried while nothing changes: after 1 s, then twice
 * as long each time, at most 30 s apart, 6 times in all (about a minute). The
 * next real change starts over with a fresh write and a fresh count. Status
 * actions are not changes, so a failure reported in the status slice never
 * schedules another write by itself.
 */
export const SAVE_RETRY = { firstDelayMs: 1_000, maxDelayMs: 30_000, attempts: 6 } as const

/** The wait before retry number `attempt` (1-based), or `undefined` once the attempts are used up. */
export function saveRetryDelay(attempt: number): number | undefined {
  if (attempt < 1 || attempt > SAVE_RETRY.attempts) return undefined
  return Math.min(SAVE_RETRY.firstDelayMs * 2 ** (attempt - 1), SAVE_RETRY.maxDelayMs)
}
