import type { JoinAck, PushAck, PushResult, RelayChange, RelayChanges } from './protocol'
import type { PatchOp } from './types'

// Types do not cross the network: every message is checked before it is
// used, by the sync client (what the relay sends) and by the relay (what a
// client or another relay node sends). The relay's request parsers add its
// limits on top of these shapes (server/relay/validate.ts).

/** A plain object (not null, not an array). */
export const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v)

const isSeq = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0

/** One of the three op names of a patch op. */
export function isOpName(v: unknown): v is PatchOp['op'] {
  return v === 'add' || v === 'replace' || v === 'remove'
}

function isOp(v: unknown): boolean {
  return (
    isObject(v) &&
    isOpName(v.op) &&
    Array.isArray(v.path) &&
    v.path.every((s) => typeof s === 'string' || typeof s === 'number')
  )
}

/** A well-formed `change` event from the relay. */
export function isRelayChange(v: unknown): v is RelayChange {
  return (
    isObject(v) &&
    typeof v.room === 'string' &&
    isSeq(v.seq) &&
    v.seq > 0 &&
    typeof v.id === 'string' &&
    typeof v.origin === 'string' &&
    typeof v.ts === 'string' &&
    Array.isArray(v.ops) &&
    v.ops.every(isOp)
  )
}

/** A well-formed `changes` frame from the relay: at least one change, all of its room, in sequence order. */
export function isRelayChanges(v: unknown): v is RelayChanges {
  if (!isObject(v) || typeof v.room !== 'string' || !Array.isArray(v.changes)) return false
  const changes: unknown[] = v.changes
  if (changes.length === 0) return false
  let previous: number | undefined
  for (const c of changes) {
    if (!isRelayChange(c) || c.room !== v.room) return false
    if (previous !== undefined && c.seq !== previous + 1) return false
    previous = c.seq
  }
  return true
}

/** A well-formed `join` or `catchUp` acknowledgement. */
export function isJoinAck(v: unknown): v is JoinAck {
  if (!isObject(v)) return false
  if (v.ok === false) return typeof v.reason === 'string'
  return (
    v.ok === true &&
    isSeq(v.seq) &&
    Array.isArray(v.changes) &&
    (v.snapshot === undefined || isObject(v.snapshot)) &&
    (v.client === undefined ||
      (isObject(v.client) && typeof v.client.id === 'string' && isSeq(v.client.counter))) &&
    (v.limits === undefined ||
      (isObject(v.limits) &&
        isSeq(v.limits.maxChangesPerPush) &&
        v.limits.maxChangesPerPush > 0 &&
        isSeq(v.limits.maxPayloadBytes)))
  )
}

/** A well-formed verdict on one pushed change: accepted with its sequence, or refused with a reason. */
export function isPushResult(v: unknown): v is PushResult {
  if (!isObject(v) || typeof v.id !== 'string') return false
  if ('seq' in v) {
    return (
      isSeq(v.seq) &&
      (v.ops === undefined || (Array.isArray(v.ops) && v.ops.every(isOp))) &&
      (v.dropped === undefined || isSeq(v.dropped))
    )
  }
  return typeof v.reason === 'string'
}

/** A well-formed `push` acknowledgement. */
export function isPushAck(v: unknown): v is PushAck {
  if (!isObject(v)) return false
  if (v.ok === false) return typeof v.reason === 'string'
  return v.ok === true && Array.isArray(v.results) && v.results.every(isPushResult)
}
