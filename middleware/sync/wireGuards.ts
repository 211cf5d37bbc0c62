import type { JoinAck, PushAck, PushResult, RelayChange } from '../../src/protocol'

// Types do not cross the network: every message from the relay is checked
// before it touches the model.

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v)

const isSeq = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0

function isOp(v: unknown): boolean {
  return (
    isObject(v) &&
    (v.op === 'add' || v.op === 'replace' || v.op === 'remove') &&
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
      (isObject(v.client) && typeof v.client.id === 'string' && isSeq(v.client.counter)))
  )
}

function isPushResult(v: unknown): v is PushResult {
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
