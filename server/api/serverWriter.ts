import { randomUUID } from 'node:crypto'
import { describeValue, PatchwireError } from '../../src/errors'
import { createHlc, formatHlc } from '../../src/hlc'
import { type PushResult, SERVER_ORIGIN_PREFIX } from '../../src/protocol'
import type { RelayLimits } from '../relay/types'
import { messageBytes } from '../relay/validate'
import type { ServerWriteOptions } from './types'

/** A change from a server-side writer, ready to go through the room like a push. */
export interface ServerChange {
  origin: string
  change: { id: string; ts: string; ops: unknown }
}

/** Makes the ids and timestamps of this relay's server-side writes. */
export interface ServerWriter {
  /** Builds the change `relay.write` pushes; throws when `options` misuse the API. */
  change(ops: unknown, options: ServerWriteOptions | undefined): ServerChange
  /** Too big to push, as a socket's message would be: the refusal, else `undefined`. */
  tooLarge(room: string, c: ServerChange): PushResult | undefined
  /** Merges the timestamp of an accepted change, so later writes are newer than it. */
  observe(ts: string): void
}

/**
 * The ops as a socket would carry them: the room keeps (and freezes) what it
 * applies, so it must not share objects the caller may still change. What JSON
 * cannot carry stays as it is, for the size check to refuse.
 */
function wireCopy(ops: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(ops))
  } catch {
    return ops
  }
}

/**
 * Server-side writers write like a client that has seen every accepted
 * change: their clock merges each one's timestamp (from this node and, through
 * the change notes, from the others), so a write made after reading a room
 * wins over what was read, and only a truly concurrent newer write can make
 * it stale. Ids are `server:<name>:<epoch>:<counter>` with an epoch per relay
 * instance, so two nodes or a restarted relay never reuse one for other content.
 */
export function createServerWriter(limits: RelayLimits, now: () => number): ServerWriter {
  const epoch = randomUUID().slice(0, 8)
  const clock = createHlc(`server.${epoch}`, { wallClock: now })
  let counter = 0
  return {
    change(ops, options) {
      const name = (options as { origin?: unknown } | undefined)?.origin
      if (typeof name !== 'string' || name.length === 0) {
        throw new PatchwireError(
          'option',
          `relay.write: origin must be a non-empty string naming the writer, received ${describeValue(name)}.`,
          { option: 'origin', received: describeValue(name) },
        )
      }
      const at = (options as { at?: unknown }).at
      if (at !== undefined && (!Number.isSafeInteger(at) || (at as number) < 1)) {
        throw new PatchwireError(
          'option',
          `relay.write: at must be a positive integer of wall ms, received ${describeValue(at)}.`,
          { option: 'at', received: describeValue(at) },
        )
      }
      const origin = `${SERVER_ORIGIN_PREFIX}${name}`
      const ts =
        at === undefined ? clock.now() : { wall: at as number, counter: 0, node: clock.node }
      return {
        origin,
        change: { id: `${origin}:${epoch}:${++counter}`, ts: formatHlc(ts), ops: wireCopy(ops) },
      }
    },
    tooLarge(room, { change }) {
      const bytes = messageBytes({ room, changes: [change] })
      if (bytes <= limits.maxPayloadBytes) return undefined
      return {
        id: change.id,
        reason: 'too_large',
        message: `The change is ${bytes} bytes, the limit is ${limits.maxPayloadBytes}.`,
      }
    },
    observe(ts) {
      try {
        clock.receive(ts)
      } catch {
        // Not a timestamp: nothing to merge (notes from other nodes are only checked for shape).
      }
    },
  }
}
