import { describeValue } from './errors'
import type {
  PresenceEntry,
  PresenceEvent,
  PresenceSetAck,
  PresenceSetRequest,
  RejectReason,
} from './protocol'

// The presence messages' parsers, beside their types in protocol.ts and used by
// both ends: the relay checks `presence:set`, the client checks what the relay sends.

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v)

const isCount = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0

/**
 * Checks a `presence:set` request's envelope (the value's size, schema and
 * rate are the relay's own checks).
 */
export function parsePresenceSet(
  raw: unknown,
  maxIdLength: number,
): PresenceSetRequest | { reason: RejectReason; message: string } {
  if (!isObject(raw)) {
    return {
      reason: 'bad_request',
      message: `presence:set expects an object, received ${describeValue(raw)}.`,
    }
  }
  if (typeof raw.room !== 'string' || raw.room.length === 0) {
    return {
      reason: 'bad_request',
      message: `room must be a non-empty string, received ${describeValue(raw.room)}.`,
    }
  }
  if (raw.room.length > maxIdLength) {
    return {
      reason: 'too_large',
      message: `room is ${raw.room.length} characters, the limit is ${maxIdLength}.`,
    }
  }
  if (!('value' in raw) || raw.value === undefined) {
    return { reason: 'bad_request', message: 'presence:set needs a value (null clears it).' }
  }
  return { room: raw.room, value: raw.value }
}

function isEntry(v: unknown): v is PresenceEntry {
  return (
    isObject(v) &&
    typeof v.id === 'string' &&
    typeof v.clientId === 'string' &&
    (v.user === undefined || typeof v.user === 'string') &&
    'value' in v &&
    v.value !== undefined &&
    isCount(v.rev)
  )
}

/** A well-formed `presence` event from the relay. */
export function isPresenceEvent(v: unknown): v is PresenceEvent {
  if (!isObject(v) || typeof v.room !== 'string') return false
  switch (v.type) {
    case 'snapshot':
      return isCount(v.ttlMs) && Array.isArray(v.entries) && v.entries.every(isEntry)
    case 'join':
    case 'update':
      return isCount(v.ttlMs) && isEntry(v.entry)
    case 'leave':
      return typeof v.id === 'string'
    default:
      return false
  }
}

/** A well-formed `presence:set` acknowledgement. */
export function isPresenceSetAck(v: unknown): v is PresenceSetAck {
  if (!isObject(v)) return false
  if (v.ok === false) return typeof v.reason === 'string' && typeof v.message === 'string'
  return v.ok === true && typeof v.id === 'string' && isCount(v.ttlMs) && isCount(v.perSecond)
}
