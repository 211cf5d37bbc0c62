/** Chunks per second over a trailing window. */
export interface ThroughputMeter {
  /** Forgets past samples; the rate is measured from `at` on. */
  start(at: number): void
  /** Counts `chunks` applied at `at` and returns the rate then, in chunks per second. */
  add(at: number, chunks: number): number
}

/**
 * A trailing-window rate: the chunks of the last `windowMs` divided by the
 * window, or by the time since `start` while that is shorter. The divisor is
 * at least one second, so a first page that came back at once reads as its
 * size per second rather than an infinite rate.
 *
 * @example
 * ```ts
 * const meter = createThroughputMeter()
 * meter.start(Date.now())
 * meter.add(Date.now(), 40) // 40
 * ```
 */
export function createThroughputMeter(windowMs = 60_000): ThroughputMeter {
  let startedAt = 0
  let samples: { at: number; chunks: number }[] = []
  return {
    start(at) {
      startedAt = at
      samples = []
    },
    add(at, chunks) {
      if (chunks > 0) samples.push({ at, chunks })
      samples = samples.filter((s) => s.at > at - windowMs)
      const total = samples.reduce((sum, s) => sum + s.chunks, 0)
      const spanMs = Math.max(1000, Math.min(windowMs, at - startedAt))
      return total / (spanMs / 1000)
    },
  }
}
