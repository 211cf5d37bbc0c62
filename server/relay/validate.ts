import { describeValue, isPatchwireError } from '../../src/errors'
import { parseHlc } from '../../src/hlc'
import { FORBIDDEN_SEGMENTS, toPath } from '../../src/pointer'
import type { CatchUpRequest, JoinRequest, RejectReason } from '../../src/protocol'
import { isOpName, isObject as isRecord } from '../../src/protocolGuards'
import type { PatchOp } from '../../src/types'
import type { RelayLimits } from './types'

/** A refusal, as data: why, and a message that says what was received. */
export interface Refusal {
  reason: RejectReason
  message: string
}

/** A pushed change that passed validation: paths as segments, values checked. */
export interface ValidChange {
  id: string
  ts: string
  /** Wall ms of `ts`, for the clock-ahead check. */
  wall: number
  ops: PatchOp[]
}

/** Characters of an HLC string before its node: 15 wall digits, `-`, 6 counter digits, `-`. */
const HLC_FIXED_LENGTH = 23

const refuse = (reason: RejectReason, message: string): Refusal => ({ reason, message })

function checkId(value: unknown, name: string, limits: RelayLimits): Refusal | undefined {
  if (typeof value !== 'string' || value.length === 0) {
    return refuse(
      'bad_request',
      `${name} must be a non-empty string, received ${describeValue(value)}.`,
    )
  }
  if (value.length > limits.maxIdLength) {
    return refuse(
      'too_large',
      `${name} is ${value.length} characters, the limit is ${limits.maxIdLength}.`,
    )
  }
  return undefined
}

/** Size of a message's JSON form in bytes; `Infinity` when it cannot be serialized. */
export function messageBytes(message: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(message) ?? '')
  } catch {
    return Number.POSITIVE_INFINITY
  }
}

/** Checks a `join` request. */
export function parseJoin(raw: unknown, limits: RelayLimits): JoinRequest | Refusal {
  if (!isRecord(raw))
    return refuse('bad_request', `join expects an object, received ${describeValue(raw)}.`)
  const bad = checkId(raw.room, 'room', limits) ?? checkId(raw.clientId, 'clientId', limits)
  if (bad) return bad
  const { since, schemaVersion, echo, frames } = raw
  if (since !== undefined && (!Number.isSafeInteger(since) || (since as number) < 0)) {
    return refuse(
      'bad_request',
      `since must be a non-negative integer, received ${describeValue(since)}.`,
    )
  }
  if (typeof schemaVersion !== 'string' && typeof schemaVersion !== 'number') {
    return refuse(
      'bad_request',
      `schemaVersion must be a string or number, received ${describeValue(schemaVersion)}.`,
    )
  }
  if (echo !== undefined && typeof echo !== 'boolean') {
    return refuse('bad_request', `echo must be a boolean, received ${describeValue(echo)}.`)
  }
  if (frames !== undefined && typeof frames !== 'boolean') {
    return refuse('bad_request', `frames must be a boolean, received ${describeValue(frames)}.`)
  }
  const req: JoinRequest = {
    room: raw.room as string,
    clientId: raw.clientId as string,
    schemaVersion,
  }
  if (since !== undefined) req.since = since as number
  if (echo === false) req.echo = false
  if (frames === true) req.frames = true
  return req
}

/** Checks a `catchUp` request. */
export function parseCatchUp(raw: unknown, limits: RelayLimits): CatchUpRequest | Refusal {
  if (!isRecord(raw))
    return refuse('bad_request', `catchUp expects an object, received ${describeValue(raw)}.`)
  const bad = checkId(raw.room, 'room', limits)
  if (bad) return bad
  const { since, until } = raw
  if (!Number.isSafeInteger(since) || (since as number) < 0) {
    return refuse(
      'bad_request',
      `since must be a non-negative integer, received ${describeValue(since)}.`,
    )
  }
  if (
    until !== undefined &&
    (!Number.isSafeInteger(until) || (until as number) < (since as number))
  ) {
    return refuse(
      'bad_request',
      `until must be an integer ≥ since, received ${describeValue(until)}.`,
    )
  }
  const req: CatchUpRequest = { room: raw.room as string, since: since as number }
  if (until !== undefined) req.until = until as number
  return req
}

/** Checks the envelope of a `push`; each change is checked on its own by `parseChange`. */
export function parsePush(
  raw: unknown,
  limits: RelayLimits,
): { room: string; changes: unknown[] } | Refusal {
  if (!isRecord(raw))
    return refuse('bad_request', `push expects an object, received ${describeValue(raw)}.`)
  const bad = checkId(raw.room, 'room', limits)
  if (bad) return bad
  if (!Array.isArray(raw.changes)) {
    return refuse(
      'bad_request',
      `changes must be an array, received ${describeValue(raw.changes)}.`,
    )
  }
  if (raw.changes.length > limits.maxChangesPerPush) {
    return refuse(
      'too_large',
      `A push may carry ${limits.maxChangesPerPush} changes, received ${raw.changes.length}.`,
    )
  }
  for (const c of raw.changes) {
    // Without an id a verdict could not be matched to its change: refuse the whole push.
    if (!isRecord(c) || typeof c.id !== 'string') {
      return refuse('bad_request', 'Every change needs a string id.')
    }
  }
  return { room: raw.room as string, changes: raw.changes }
}

/**
 * Nesting depth of a JSON value, stopping as soon as it exceeds `max` (so a
 * hostile value costs at most `max` levels of recursion). Also refuses keys
 * that could reach `Object.prototype`.
 */
export function valueProblem(value: unknown, max: number, depth = 0): string | undefined {
  if (value === null || typeof value !== 'object') return undefined
  if (depth >= max) return 'too deep'
  if (Array.isArray(value)) {
    for (const v of value) {
      const p = valueProblem(v, max, depth + 1)
      if (p) return p
    }
    return undefined
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_SEGMENTS.has(key)) return `the key "${key}" is refused`
    const p = valueProblem((value as Record<string, unknown>)[key], max, depth + 1)
    if (p) return p
  }
  return undefined
}

/**
 * Checks one pushed change: id, timestamp, and every op's kind, path (depth,
 * forbidden segments) and value (depth, forbidden keys). Extra fields (a
 * forged `seq`, `origin`) are ignored: the relay assigns those.
 */
export function parseChange(
  raw: Record<string, unknown>,
  limits: RelayLimits,
): ValidChange | Refusal {
  const bad = checkId(raw.id, 'id', limits)
  if (bad) return bad
  let wall: number
  try {
    wall = parseHlc(raw.ts as string).wall
  } catch {
    return refuse(
      'bad_request',
      `ts must be a patchwire HLC timestamp, received ${describeValue(raw.ts)}.`,
    )
  }
  // Its node is a client id: no longer than an id may be. A longer one would be
  // kept in the clock of every path the change writes, and in every snapshot.
  const tsLimit = HLC_FIXED_LENGTH + limits.maxIdLength
  if ((raw.ts as string).length > tsLimit) {
    return refuse(
      'too_large',
      `ts is ${(raw.ts as string).length} characters, the limit is ${tsLimit}.`,
    )
  }
  if (!Array.isArray(raw.ops) || raw.ops.length === 0) {
    return refuse(
      'bad_request',
      `ops must be a non-empty array, received ${describeValue(raw.ops)}.`,
    )
  }
  if (raw.ops.length > limits.maxOpsPerChange) {
    return refuse(
      'too_large',
      `A change may carry ${limits.maxOpsPerChange} ops, received ${raw.ops.length}.`,
    )
  }
  const ops: PatchOp[] = []
  for (const o of raw.ops) {
    if (!isRecord(o) || !isOpName(o.op)) {
      return refuse('bad_request', 'Each op must be an object with op add, replace or remove.')
    }
    let path: PatchOp['path']
    try {
      path = toPath(o.path)
    } catch (err) {
      return refuse('bad_request', isPatchwireError(err) ? err.message : 'Invalid path.')
    }
    if (path.length === 0) return refuse('bad_request', 'An op cannot target the root of a room.')
    if (path.length > limits.maxPathDepth) {
      return refuse(
        'too_large',
        `A path may have ${limits.maxPathDepth} segments, received ${path.length}.`,
      )
    }
    if (path.slice(0, -1).includes('-')) {
      return refuse('bad_request', '"-" (append) is only allowed as the last path segment.')
    }
    if (o.op === 'remove') {
      ops.push({ op: 'remove', path })
      continue
    }
    if (!('value' in o) || o.value === undefined) {
      return refuse('bad_request', `The ${o.op} op at ${JSON.stringify(path)} has no value.`)
    }
    const problem = valueProblem(o.value, limits.maxValueDepth)
    if (problem === 'too deep') {
      return refuse('too_large', `A value may nest ${limits.maxValueDepth} levels deep.`)
    }
    if (problem) return refuse('bad_request', `Invalid value: ${problem}.`)
    ops.push({ op: o.op, path, value: o.value })
  }
  return { id: raw.id as string, ts: raw.ts as string, wall, ops }
}

/** True for a `Refusal` (as opposed to a parsed request). */
export function isRefusal(value: unknown): value is Refusal {
  // None of the parsed request shapes has a `reason`.
  return isRecord(value) && typeof value.reason === 'string'
}
