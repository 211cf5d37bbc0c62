import type { RelaySocket } from '../../middleware/sync/types'

/** A small seeded PRNG (mulberry32), so a failing case replays its delivery choices. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Wraps a client socket so the relay's `change` events and `changes` frames (and the acks of
 * every request) arrive late, out of order and sometimes twice: what a bad
 * network and a reconnect race can do. Only the inbound side is disturbed;
 * the relay still sees each request once, in order, as Socket.IO guarantees.
 */
export function chaosSocket(real: RelaySocket, random: () => number, timers: Set<unknown>) {
  const wrapped = new Map<unknown, (...args: unknown[]) => void>()
  const later = (fn: () => void) => {
    const timer = setTimeout(
      () => {
        timers.delete(timer)
        fn()
      },
      Math.floor(random() * 8),
    )
    timers.add(timer)
  }
  const socket = {
    get connected() {
      return real.connected
    },
    get active() {
      return real.active
    },
    connect() {
      real.connect()
      return socket
    },
    on(event: string, fn: (...args: unknown[]) => void) {
      if (event !== 'change' && event !== 'changes') {
        ;(real.on as (e: string, f: unknown) => void)(event, fn)
        return socket
      }
      const chaotic = (change: unknown) => {
        later(() => fn(change))
        if (random() < 0.2) later(() => fn(change))
      }
      wrapped.set(fn, chaotic as (...args: unknown[]) => void)
      ;(real.on as (e: string, f: unknown) => void)(event, chaotic)
      return socket
    },
    off(event: string, fn: (...args: unknown[]) => void) {
      ;(real.off as (e: string, f: unknown) => void)(event, wrapped.get(fn) ?? fn)
      return socket
    },
    emit(event: string, req: unknown, ack: (res: unknown) => void) {
      ;(real.emit as (e: string, r: unknown, a: (res: unknown) => void) => void)(
        event,
        req,
        (res) => (random() < 0.5 ? later(() => ack(res)) : ack(res)),
      )
      return true
    },
  }
  return socket as unknown as RelaySocket
}
