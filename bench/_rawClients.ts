// What the relay benches' client processes share: raw socket.io-client sockets
// that speak the relay's wire protocol, and a count of the deliveries with
// their latencies.
import { io as connectClient, type Socket } from 'socket.io-client'

/** A fresh websocket connection to `url`, resolved once connected. */
export function openSocket(url: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connectClient(url, { transports: ['websocket'], reconnection: false, forceNew: true })
    s.once('connect', () => resolve(s))
    s.once('connect_error', reject)
  })
}

/** Emits `event` with `req` and resolves to the relay's answer. */
export function ask(s: Socket, event: string, req: unknown): Promise<unknown> {
  return new Promise((resolve) => s.emit(event, req, resolve))
}

/** Counts deliveries of values stamped with `performance.now()` when sent. */
export interface Deliveries {
  /** One delivery of a value sent at `sentAt` (ignored unless a number). */
  receive(sentAt: unknown): void
  /** Resolves once `expected` deliveries arrived. */
  done: Promise<void>
  readonly delivered: number
  /** The latency at quantile `q` (0–1) of the deliveries so far, in ms. */
  at(q: number): number
}

export function deliveries(expected: number): Deliveries {
  const latencies: number[] = []
  let allDelivered: () => void = () => {}
  const done = new Promise<void>((resolve) => {
    allDelivered = resolve
  })
  let sorted = true
  return {
    receive(sentAt) {
      if (typeof sentAt !== 'number') return
      latencies.push(performance.now() - sentAt)
      sorted = false
      if (latencies.length === expected) allDelivered()
    },
    done,
    get delivered() {
      return latencies.length
    },
    at(q) {
      if (!sorted) latencies.sort((a, b) => a - b)
      sorted = true
      return latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0
    },
  }
}
