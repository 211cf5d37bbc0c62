import { PatchwireError } from '../../../src/errors'
import type { RejectReason } from '../../../src/protocol'
import { badPage } from '../pollPage'
import type { PollHalt } from '../pollTypes'

/** How `fetchPollPage` asks for the page after a cursor. */
export interface FetchPollPageOptions {
  cursor: string | null
  signal: AbortSignal
  headers: Record<string, string>
  sinceParam: string
  fetch: typeof fetch
}

// 408 (the request timed out) and 429 (too many requests) pass with time;
// any other 4xx is an answer about the request itself, the same next time.
function haltReasonFor(status: number): RejectReason | null {
  if (status < 400 || status >= 500 || status === 408 || status === 429) return null
  if (status === 401 || status === 403) return 'forbidden'
  // The server no longer holds what follows this cursor, as the relay's `unknown`.
  if (status === 410) return 'unknown'
  if (status === 413 || status === 414 || status === 431) return 'too_large'
  return 'bad_request'
}

/**
 * GETs the page after `cursor` (`?<sinceParam>=<cursor>`) and decodes its JSON
 * body. An unrecoverable 4xx resolves to a `{ halt }`; any other non-2xx or a
 * body that is not JSON throws, so the poll retries with back-off.
 *
 * @example
 * ```ts
 * const page = await fetchPollPage('/api/changes', { cursor: '42', signal, headers: {}, sinceParam: 'since', fetch })
 * ```
 */
export async function fetchPollPage(
  url: string | URL,
  options: FetchPollPageOptions,
): Promise<unknown> {
  const base = typeof location === 'object' && location?.href ? location.href : undefined
  const target = new URL(url, base)
  if (options.cursor !== null) target.searchParams.set(options.sinceParam, options.cursor)
  const response = await options.fetch(target, {
    headers: { accept: 'application/json', ...options.headers },
    signal: options.signal,
  })
  const answer = `GET ${target.pathname} answered ${response.status} ${response.statusText}`.trim()
  if (!response.ok) {
    response.body?.cancel().catch(() => {})
    const reason = haltReasonFor(response.status)
    if (reason !== null) return { halt: reason, message: answer } satisfies PollHalt
    throw new PatchwireError('transport', answer, { reason: `http ${response.status}` })
  }
  const text = await response.text()
  try {
    return JSON.parse(text)
  } catch {
    throw badPage(`GET ${target.pathname} answered a body that is not JSON: ${text.slice(0, 80)}`)
  }
}
