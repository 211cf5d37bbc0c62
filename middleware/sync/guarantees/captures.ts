import { PatchwireError } from '../../../src/errors'
import type { RejectReason } from '../../../src/protocol'
import type { PatchIssue } from '../../../src/types'
import type { ConfirmedChange, ConfirmedResult } from './confirmed'

/** The promise side of one `confirmed` dispatch, shared by every sync middleware of the store. */
export interface Capture {
  readonly promise: Promise<ConfirmedResult>
  readonly settled: boolean
  /** A change this dispatch made (in any room) that the relay must accept. */
  add(room: string, id: string): void
  accept(room: string, id: string, seq: number): void
  /** A change of this dispatch took a new id before it was pushed. */
  rename(room: string, from: string, to: string): void
  fail(error: PatchwireError): void
  /** No more changes will be added: resolves at once when there were none to wait for. */
  close(): void
}

/** Builds a capture: resolves when every added change was accepted, rejects at the first failure. */
export function createCapture(): Capture {
  const waiting = new Set<string>()
  const accepted: ConfirmedChange[] = []
  let closed = false
  let settled = false
  let resolve!: (r: ConfirmedResult) => void
  let reject!: (e: unknown) => void
  const promise = new Promise<ConfirmedResult>((res, rej) => {
    resolve = res
    reject = rej
  })
  const key = (room: string, id: string) => JSON.stringify([room, id])
  const check = () => {
    if (settled || !closed || waiting.size > 0) return
    settled = true
    const last = accepted[accepted.length - 1]
    resolve({ seq: last ? last.seq : null, changes: accepted })
  }
  return {
    promise,
    get settled() {
      return settled
    },
    add(room, id) {
      waiting.add(key(room, id))
    },
    accept(room, id, seq) {
      if (!waiting.delete(key(room, id))) return
      accepted.push({ room, id, seq })
      check()
    },
    rename(room, from, to) {
      if (waiting.delete(key(room, from))) waiting.add(key(room, to))
    },
    fail(error) {
      if (settled) return
      settled = true
      reject(error)
    },
    close() {
      closed = true
      check()
    },
  }
}

/** The error a confirmed write rejects with when the relay refused its change. */
export function refusalError(
  room: string,
  id: string,
  reason: RejectReason,
  issues: readonly PatchIssue[],
): PatchwireError {
  const message = `The relay refused change ${id} in room "${room}" (${reason})${
    issues[0]?.message ? `: ${issues[0].message}` : '.'
  }`
  switch (reason) {
    case 'schema':
      return new PatchwireError('schema', message, { issues: issues.slice() })
    case 'stale':
      return new PatchwireError('stale', message, {})
    case 'forbidden':
      return new PatchwireError('forbidden', message, { room })
    case 'id_conflict':
      return new PatchwireError('id_conflict', message, { room, id })
    case 'unknown':
      return new PatchwireError('unknown', message, { room, id })
    default:
      // Other relay reasons (too_large, skew, ...) keep their name in the details.
      return new PatchwireError('bad_request', message, { reason })
  }
}

// Per store (keyed by its getState, like the store hub): the confirmed
// dispatches in progress, so every sync middleware of the store adds the
// changes it made to the same capture.
/** One confirmed dispatch in progress, with its options. */
export interface CaptureFrame {
  capture: Capture
  rejectOffline: boolean
  timeoutMs: number | undefined
  hidden: boolean
}
interface CaptureStack {
  active: CaptureFrame[]
  /** The options of the confirmed dispatches in progress (one frame each, however many sync middlewares). */
  byAction: WeakSet<object>
}
const stacks = new WeakMap<object, CaptureStack>()

/** The captures of the store whose `getState` this is. */
export function captureStack(getState: object): CaptureStack {
  let stack = stacks.get(getState)
  if (!stack) {
    stack = { active: [], byAction: new WeakSet() }
    stacks.set(getState, stack)
  }
  return stack
}
