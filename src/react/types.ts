import type { Middleware } from '@reduxjs/toolkit'
import type { ChangeSource, PatchIssue, PatchOp } from '../types'

/** One change as the traffic log saw it. */
export interface TrafficEntry {
  /** Position in the log since the store started; a stable key. */
  n: number
  /** `'out'` for changes made here (`local`, `devtools`), `'in'` for those that arrived. */
  direction: 'in' | 'out'
  /** `'pushed'`: sent to the relay (its verdict arrives later as a change or a rejection). */
  status: 'applied' | 'rejected' | 'pushed'
  source: ChangeSource
  /** Wall-clock ms when it was dispatched. */
  at: number
  ops: PatchOp[]
  origin?: string
  seq?: number
  /** Hybrid logical clock timestamp, string form. */
  ts?: string
  id?: string
  room?: string
  reason?: string
  issues?: PatchIssue[]
  /** Who refused it, for refusals that did not come from the reducer. */
  stage?: 'relay' | 'client'
}

/** A bounded, subscribable log of traffic, kept outside Redux state. */
export interface TrafficLog {
  /** Oldest first; the same array until the log changes (fit for `useSyncExternalStore`). */
  entries(): readonly TrafficEntry[]
  subscribe(listener: () => void): () => void
  clear(): void
  /**
   * Records every change pushed over this socket.io-client socket (its `push`
   * events, re-pushes after a reconnect included). Returns the function that stops.
   */
  watchSocket(socket: OutgoingEvents): () => void
}

/** The part of a socket.io-client `Socket` the traffic log listens to. */
export interface OutgoingEvents {
  onAnyOutgoing(listener: (event: string, ...args: unknown[]) => void): unknown
  offAnyOutgoing(listener: (event: string, ...args: unknown[]) => void): unknown
}

/** Options of `patchwireTrafficLog`. */
export interface TrafficLogOptions {
  /** How many entries the ring keeps; older ones are overwritten. @defaultValue 200 */
  size?: number
  /** Wall clock for entries whose action carries no `at`; inject one in tests. @defaultValue Date.now */
  now?: () => number
  /** Sockets whose pushes to the relay are recorded (see `TrafficLog.watchSocket`). @defaultValue [] */
  sockets?: readonly OutgoingEvents[]
}

/** The traffic log middleware, with its log for direct use. */
export type TrafficLogMiddleware = Middleware & { log: TrafficLog }
