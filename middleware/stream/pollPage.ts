import { describeValue, isPatchwireError, PatchwireError } from '../../src/errors'
import { REJECT_REASONS, type RejectReason } from '../../src/protocol'
import type { PollHalt, PollPage } from './pollTypes'
import { idOf } from './sources/decode'

/** What one poll came to: a page to apply, or a reason to stop for good. */
export type PollOutcome =
  | { kind: 'page'; chunks: readonly unknown[]; cursor: string | undefined; more: boolean }
  | { kind: 'halt'; reason: RejectReason; message: string }

const REASONS: ReadonlySet<unknown> = new Set(REJECT_REASONS)

// Refusals that say "later", not "never": polling on would succeed once they pass.
const RETRYABLE: ReadonlySet<RejectReason> = new Set(['rate_limited', 'unavailable'])

function halt(reason: RejectReason, message?: string): PollOutcome {
  return { kind: 'halt', reason, message: message ?? `Polling halted: ${reason}.` }
}

const BAD_PAGE = 'poll page'

/**
 * A page that could not be read (not JSON, not `{ chunks, cursor? }`): counted
 * as a parse error and retried, since the next answer may well be readable.
 */
export function badPage(message: string): PatchwireError<'bad_request'> {
  return new PatchwireError('bad_request', message, { reason: BAD_PAGE })
}

/** True for the errors `badPage` builds. */
export function isBadPage(err: unknown): boolean {
  return isPatchwireError(err, 'bad_request') && err.details.reason === BAD_PAGE
}

function notAPage(received: string): PatchwireError<'bad_request'> {
  return badPage(
    `A poll must resolve to { chunks, cursor?, more? } or { halt }, received ${received}.`,
  )
}

/** Checks what a poll resolved to; anything that is neither a page nor a halt throws a `badPage` error. */
export function readPollResult(value: unknown): PollOutcome {
  if (value === null || typeof value !== 'object') throw notAPage(describeValue(value))
  if ('halt' in value) {
    const { halt: reason, message } = value as PollHalt
    if (!REASONS.has(reason)) throw notAPage(`a halt with reason ${describeValue(reason)}`)
    return halt(reason, typeof message === 'string' ? message : undefined)
  }
  const { chunks, cursor, more } = value as PollPage
  if (!Array.isArray(chunks)) throw notAPage(`chunks as ${describeValue(chunks)}`)
  if (cursor !== undefined && typeof cursor !== 'string' && !Number.isFinite(cursor)) {
    throw notAPage(`cursor as ${describeValue(cursor)}`)
  }
  let next = cursor === undefined ? undefined : String(cursor)
  if (next === undefined) {
    for (let i = chunks.length - 1; i >= 0 && next === undefined; i--) next = idOf(chunks[i])
  }
  // A page that says `more` but carries nothing would poll in a tight loop.
  return { kind: 'page', chunks, cursor: next, more: more === true && chunks.length > 0 }
}

/** A thrown `PatchwireError` coded with a refusal reason that retrying cannot fix halts; anything else retries. */
export function haltForError(err: unknown): PollOutcome | null {
  if (!isPatchwireError(err) || !REASONS.has(err.code) || isBadPage(err)) return null
  const reason = err.code as RejectReason
  return RETRYABLE.has(reason) ? null : halt(reason, err.message)
}
