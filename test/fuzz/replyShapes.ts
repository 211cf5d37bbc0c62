import { isPresenceEvent, isPresenceSetAck } from '../../src/presenceMessages'
import { REJECT_REASONS } from '../../src/protocol'
import { isJoinAck, isPushAck, isRelayChange, isRelayChanges } from '../../src/protocolGuards'
import { FORBIDDEN_KEYS } from './nastyValues'

// The documented shape of every answer the relay gives, stricter than what a
// client needs to stay safe: the protocol's own guards first, then exact key
// sets, reasons from the one list and answers that belong to their request.

const REASONS: ReadonlySet<string> = new Set(REJECT_REASONS)
const FORBIDDEN: ReadonlySet<string> = new Set(FORBIDDEN_KEYS)

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v)

const keysWithin = (v: Record<string, unknown>, allowed: readonly string[]): string | undefined =>
  Object.keys(v).find((k) => !allowed.includes(k))

/** The first forbidden key (`__proto__`, `constructor`, `prototype`) inside a value, as a path. */
export function forbiddenKeyIn(value: unknown, at: string[] = []): string | undefined {
  if (value === null || typeof value !== 'object') return undefined
  for (const [k, v] of Object.entries(value)) {
    if (FORBIDDEN.has(k)) return JSON.stringify([...at, k])
    const found = forbiddenKeyIn(v, [...at, k])
    if (found) return found
  }
  return undefined
}

/** True when a value holds a binary attachment (what arrives as a Buffer or an ArrayBuffer). */
export function binaryIn(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return true
  return Object.values(value).some(binaryIn)
}

function refusalProblem(
  v: Record<string, unknown>,
  extra: readonly string[] = [],
): string | undefined {
  if (typeof v.reason !== 'string' || !REASONS.has(v.reason))
    return `unknown reason ${String(v.reason)}`
  if (typeof v.message !== 'string') return 'a refusal without a message'
  const stray = keysWithin(v, ['ok', 'reason', 'message', ...extra])
  return stray === undefined ? undefined : `a refusal with the key ${stray}`
}

function readProblem(reply: unknown, room: unknown, join: boolean): string | undefined {
  if (!isJoinAck(reply)) return 'not a JoinAck'
  const r = reply as Record<string, unknown>
  if (r.ok === false) return refusalProblem(r)
  const stray = keysWithin(r, ['ok', 'room', 'seq', 'changes', 'snapshot', 'client', 'limits'])
  if (stray) return `an ack with the key ${stray}`
  if (r.room !== room) return `an ack for room ${String(r.room)}`
  if (join !== (r.client !== undefined))
    return join ? 'a join ack without client' : 'a catch-up ack with client'
  if (join !== (r.limits !== undefined))
    return join ? 'a join ack without push limits' : 'a catch-up ack with push limits'
  const changes = r.changes as unknown[]
  for (const c of changes) {
    if (!isRelayChange(c)) return 'a malformed change in the ack'
    if (c.room !== room || c.seq > (r.seq as number))
      return `a change of room ${c.room} at ${c.seq}`
  }
  if (binaryIn(r.snapshot) || binaryIn(changes)) return 'binary data in the room'
  const hit = forbiddenKeyIn(r.snapshot) ?? forbiddenKeyIn(changes)
  return hit ? `a forbidden key at ${hit}` : undefined
}

function pushProblem(reply: unknown, req: Record<string, unknown>): string | undefined {
  if (!isPushAck(reply)) return 'not a PushAck'
  const r = reply as Record<string, unknown>
  if (r.ok === false) return refusalProblem(r)
  if (keysWithin(r, ['ok', 'results'])) return 'a push ack with stray keys'
  const results = r.results as Record<string, unknown>[]
  const changes = req.changes as { id: unknown }[]
  if (results.length !== changes.length)
    return `${results.length} verdicts for ${changes.length} changes`
  for (const [i, v] of results.entries()) {
    if (v.id !== changes[i]!.id) return `verdict ${i} names another id`
    if ('seq' in v) {
      if ('reason' in v) return 'a verdict with both seq and reason'
      if (keysWithin(v, ['id', 'seq', 'ops', 'dropped']))
        return 'an accepted verdict with stray keys'
      if (forbiddenKeyIn(v.ops)) return 'accepted ops hold a forbidden key'
    } else {
      const p = refusalProblem(v, ['id', 'issues'])
      if (p) return p
      if (v.issues !== undefined && !Array.isArray(v.issues)) return 'issues that are not an array'
    }
  }
  return undefined
}

/**
 * What is wrong with the relay's answer to `event` with `args`, or
 * `undefined` when it has a documented shape.
 */
export function replyProblem(
  event: string,
  args: readonly unknown[],
  reply: readonly unknown[],
): string | undefined {
  if (reply.length !== 1) return `${reply.length} ack arguments`
  const [res] = reply
  const req = args[0]
  const room = isObject(req) ? req.room : undefined
  switch (event) {
    case 'join':
      // A flag that is not a boolean is refused (bad_request, or another reason the request
      // earned first). `undefined` and functions do not cross the wire: the relay sees no flag.
      if (isObject(req) && isObject(res) && res.ok === true) {
        const flag = req.frames
        if (flag !== undefined && typeof flag !== 'function' && typeof flag !== 'boolean')
          return 'a join with a frames flag that is not a boolean was accepted'
      }
      return readProblem(res, room, true)
    case 'catchUp':
      return readProblem(res, room, false)
    case 'push':
      // Accepted pushes carry verdicts; an envelope the relay could not read is refused whole.
      return isObject(res) && res.ok === true && !(isObject(req) && Array.isArray(req.changes))
        ? 'verdicts for a push without changes'
        : pushProblem(res, req as Record<string, unknown>)
    case 'leave':
      return isObject(res) && typeof res.ok === 'boolean' && keysWithin(res, ['ok']) === undefined
        ? undefined
        : 'not a leave ack'
    case 'presence:set': {
      if (!isPresenceSetAck(res)) return 'not a PresenceSetAck'
      const r = res as Record<string, unknown>
      if (r.ok === false) return refusalProblem(r, ['issues'])
      return keysWithin(r, ['ok', 'id', 'ttlMs', 'perSecond'])
        ? 'a presence ack with stray keys'
        : undefined
    }
    default:
      return `an answer to the event ${JSON.stringify(event)}, which the relay does not handle`
  }
}

/** What is wrong with an event the relay sent unasked, or `undefined`. */
export function eventProblem(event: string, args: readonly unknown[]): string | undefined {
  const [payload] = args
  switch (event) {
    case 'change':
      if (!isRelayChange(payload)) return 'a malformed change'
      if (binaryIn(payload.ops)) return 'a change with binary data'
      return forbiddenKeyIn(payload.ops) ? 'a change with a forbidden key' : undefined
    case 'changes': {
      if (!isRelayChanges(payload)) return 'a malformed changes frame'
      const ops = payload.changes.map((c) => c.ops)
      if (binaryIn(ops)) return 'a changes frame with binary data'
      return forbiddenKeyIn(ops) ? 'a changes frame with a forbidden key' : undefined
    }
    case 'presence': {
      if (!isPresenceEvent(payload)) return 'a malformed presence event'
      // Every member's store holds these values: plain JSON only.
      const values =
        'entries' in payload ? payload.entries : 'entry' in payload ? [payload.entry] : []
      if (values.some((e) => binaryIn(e.value))) return 'a presence value with binary data'
      const hit = forbiddenKeyIn(values.map((e) => e.value))
      return hit ? `a presence value with a forbidden key at ${hit}` : undefined
    }
    case 'goodbye':
      return isObject(payload) &&
        typeof payload.message === 'string' &&
        (payload.reason === 'shutdown' || REASONS.has(payload.reason as string))
        ? undefined
        : 'a malformed goodbye'
    default:
      return `an unknown event ${event}`
  }
}
