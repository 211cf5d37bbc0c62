import type { RelayStore } from '../store/types'

/**
 * How long a health probe waits for the store. A store that takes longer is
 * unreachable for health purposes: a Redis that accepts connections but never
 * answers (stopped, swapping, blackholed) would otherwise hold `/healthz` open
 * until the checker gives up, telling nothing.
 */
export const HEALTH_PROBE_MS = 2_000

/** Whether `store` answered its `ping` with true within `ms`; a failure or a late answer is false. */
export function probeStore(
  store: Pick<RelayStore, 'ping'>,
  ms = HEALTH_PROBE_MS,
): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms)
    timer.unref()
    store.ping().then(
      (ok) => {
        clearTimeout(timer)
        resolve(ok === true)
      },
      () => {
        clearTimeout(timer)
        resolve(false)
      },
    )
  })
}
