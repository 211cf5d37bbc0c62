import type { JoinAck } from '../../src/protocol'
import { isJoinAck } from '../../src/protocolGuards'

// How a relay session reads the relay's answers: how much to push at once,
// what to retry, and how to describe a refusal.

/**
 * Changes per push request when the relay does not say how many it takes
 * (one that predates telling it on join): its default limit then.
 */
export const MAX_BATCH = 100
/** Wait before retrying what the relay could not take right now. */
export const RETRY_MS = 250
export const MAX_RETRY_MS = 8000
/** Refusals that say "not now" rather than "no": the request is retried. */
export const TRANSIENT: ReadonlySet<string> = new Set(['rate_limited', 'unavailable'])

/** The relay's limit on changes per push, as its join answer tells it. */
export function changesPerPush(ack: Extract<JoinAck, { ok: true }>): number {
  return ack.limits?.maxChangesPerPush ?? MAX_BATCH
}

/** A refused join or catch-up answer, for the status slice's `lastError`. */
export function describeRefusal(ack: unknown): string {
  if (isJoinAck(ack) && !ack.ok) return `${ack.reason}: ${ack.message}`
  return 'malformed acknowledgement'
}
