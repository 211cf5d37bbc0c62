import { saveRetryDelay } from './saveRetry'

/** When the next write pass runs. */
export interface WriteSchedule {
  /**
   * Something unsaved changed: write after `debounceMs` of quiet, and at most
   * `maxWaitMs` after the first unsaved change. Starts the retry count over.
   */
  changed(): void
  /** A write pass failed: run again on the back-off, unless a write is already planned. */
  failed(): void
  /** A write pass succeeded: the next failure starts the back-off from its first delay. */
  succeeded(): void
  /** Drops the planned write (a flush runs now, or persist stopped). */
  cancel(): void
}

/** Creates the schedule of one persisted state; `write` starts a write pass. */
export function createWriteSchedule(
  timing: { debounceMs: number; maxWaitMs: number; now: () => number },
  write: () => void,
): WriteSchedule {
  let timer: ReturnType<typeof setTimeout> | undefined
  let firstDirtyAt: number | undefined
  let retries = 0
  const plan = (ms: number) => {
    timer = setTimeout(() => {
      timer = undefined
      firstDirtyAt = undefined
      write()
    }, ms)
  }
  return {
    changed() {
      retries = 0
      const now = timing.now()
      firstDirtyAt ??= now
      clearTimeout(timer)
      plan(Math.max(0, Math.min(timing.debounceMs, firstDirtyAt + timing.maxWaitMs - now)))
    },
    failed() {
      if (timer !== undefined) return
      const delay = saveRetryDelay(++retries)
      if (delay !== undefined) plan(delay)
    },
    succeeded() {
      retries = 0
    },
    cancel() {
      clearTimeout(timer)
      timer = undefined
      firstDirtyAt = undefined
    },
  }
}
