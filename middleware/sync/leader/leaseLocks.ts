import type { TabLocks } from '../types'

/** Timing of the heartbeat lease (ms). */
export interface LeaseTiming {
  /** How often the holder says it is alive. @defaultValue 250 */
  heartbeatMs?: number
  /** Silence after which the holder is presumed gone. @defaultValue 1000 */
  leaseMs?: number
  /** How long a claimant waits for a better claim before taking the lock. @defaultValue 100 */
  claimMs?: number
}

type LeaseMessage =
  | { t: 'alive'; id: string }
  | { t: 'claim'; id: string }
  | { t: 'released'; id: string }

/**
 * Exclusive locks for environments without Web Locks, over BroadcastChannel:
 * the holder heartbeats; a waiter that hears nothing for `leaseMs` claims,
 * and among simultaneous claims the smallest id wins. A tab that dies without
 * a word is replaced after `leaseMs`. Weaker than Web Locks (two tabs frozen
 * by the browser can both believe they hold it for a moment), which is why
 * Web Locks are used whenever they exist.
 *
 * @example
 * ```ts
 * const locks = createLeaseLocks({ leaseMs: 500 })
 * ```
 */
export function createLeaseLocks(timing: LeaseTiming = {}): TabLocks {
  const heartbeatMs = timing.heartbeatMs ?? 250
  const leaseMs = timing.leaseMs ?? 1000
  const claimMs = timing.claimMs ?? 100
  return {
    request(name, options, hold) {
      const id = globalThis.crypto.randomUUID()
      const channel = new BroadcastChannel(`patchwire:lease:${name}`)
      const post = (m: LeaseMessage) => channel.postMessage(m)
      let lastHeard = 0
      let better = false
      let holding = false
      return new Promise((resolve, reject) => {
        let heartbeat: ReturnType<typeof setInterval> | undefined
        let watch: ReturnType<typeof setTimeout> | undefined
        options.signal?.addEventListener('abort', () => {
          if (holding) return
          clearTimeout(watch)
          channel.close()
          reject(options.signal?.reason)
        })
        channel.onmessage = (event: MessageEvent<LeaseMessage>) => {
          const m = event.data
          if (m.t === 'alive') lastHeard = Date.now()
          else if (m.t === 'released') lastHeard = 0
          else if (m.t === 'claim') {
            if (holding) post({ t: 'alive', id })
            else if (m.id < id) better = true
          }
        }
        const take = () => {
          if (options.signal?.aborted) return
          holding = true
          post({ t: 'alive', id })
          heartbeat = setInterval(() => post({ t: 'alive', id }), heartbeatMs)
          Promise.resolve()
            .then(hold)
            .then(resolve, reject)
            .finally(() => {
              clearInterval(heartbeat)
              post({ t: 'released', id })
              channel.close()
            })
        }
        const tryClaim = () => {
          if (Date.now() - lastHeard < leaseMs) {
            watch = setTimeout(tryClaim, heartbeatMs)
            return
          }
          better = false
          post({ t: 'claim', id })
          watch = setTimeout(() => {
            if (better || Date.now() - lastHeard < leaseMs) tryClaim()
            else take()
          }, claimMs)
        }
        // Listen for a lease before the first claim: a live holder answers within a heartbeat.
        watch = setTimeout(tryClaim, Math.min(heartbeatMs, claimMs))
      })
    },
  }
}
