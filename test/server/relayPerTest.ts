import { afterEach } from 'vitest'
import { startRelay } from './helpers'

/**
 * `startRelay` for a test file whose tests each start their own relay: every
 * relay a test started is stopped after it.
 */
export function relayPerTest(): typeof startRelay {
  const running: Awaited<ReturnType<typeof startRelay>>[] = []
  afterEach(async () => {
    for (const relay of running.splice(0)) await relay.stop()
  })
  return async (options) => {
    const relay = await startRelay(options)
    running.push(relay)
    return relay
  }
}
