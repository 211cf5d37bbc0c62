import type { RejectReason } from '../../src/protocol'

/**
 * One page a poll brought back: the chunks after the cursor it was asked for, and the next cursor.
 *
 * @example
 * ```ts
 * const page: PollPage = { chunks: [{ type: 'replace', path: '/orders/7', value: order }], cursor: '7', more: true }
 * ```
 */
export interface PollPage {
  /** Chunks in stream order (`{type: 'patch'}`, `{type: 'replace'}`, or shapes `map` reads). */
  chunks: readonly unknown[]
  /** Where the next poll resumes. Absent: the id of the last chunk that has one, else unchanged. */
  cursor?: string | number
  /** The server holds more after this page: poll again at once instead of after `intervalMs`. */
  more?: boolean
}

/**
 * An answer that stops polling for good: retrying would not help (credentials
 * refused, the endpoint gone). `reason` is one of the refusal reasons shared
 * with the relay (`forbidden`, `bad_request`, `unknown`, …).
 *
 * @example
 * ```ts
 * if (res.status === 401) return { halt: 'forbidden', message: 'Signed out.' } satisfies PollHalt
 * ```
 */
export interface PollHalt {
  halt: RejectReason
  /** Shown as the stream's `lastError`. @defaultValue 'Polling halted: <reason>.' */
  message?: string
}

/**
 * Fetches the page after `cursor` (`null` on the very first poll). Throwing
 * (or rejecting) retries with back-off, unless the error is a `PatchwireError`
 * whose code is a refusal reason other than `rate_limited` / `unavailable`:
 * that halts with its code, as returning `{ halt }` does.
 *
 * @example
 * ```ts
 * const fetchOrders: PollFetch = async (cursor, { signal }) =>
 *   (await fetch(`/api/orders?after=${cursor ?? ''}`, { signal })).json()
 * ```
 */
export type PollFetch = (
  cursor: string | null,
  context: { signal: AbortSignal },
) => Promise<PollPage | PollHalt> | PollPage | PollHalt

/**
 * `stream`'s poll mode, for backends that offer no push: fetch the page after
 * the cursor, apply its chunks, wait `intervalMs`, repeat. Give exactly one of
 * `fetch` or `url`. Failures back off through the stream's `backoff` option
 * (for polls: `baseMs` 2 × `intervalMs`, `capMs` 60 000, `jitter` ±10 %),
 * reset by the next success.
 *
 * @example
 * ```ts
 * stream({
 *   id: 'orders',
 *   poll: {
 *     fetch: async (cursor, { signal }) => {
 *       const res = await fetch(`/api/orders?after=${cursor ?? ''}`, { signal })
 *       if (res.status === 401) return { halt: 'forbidden' }
 *       const { items, next } = await res.json()
 *       return { chunks: items.map(toChunk), cursor: next }
 *     },
 *     intervalMs: 5_000,
 *   },
 * })
 * ```
 */
export interface PollOptions {
  /** Fetches one page after a cursor. */
  fetch?: PollFetch
  /**
   * GETs this URL with `?<sinceParam>=<cursor>` (plus the stream's `headers`,
   * through its `fetch`) and reads a JSON `PollPage`. 4xx answers other than
   * 408 and 429 halt (401/403 `forbidden`, 410 `unknown`, 413/414/431 `too_large`, else
   * `bad_request`); 408, 429, 5xx and network errors retry.
   */
  url?: string | URL
  /** Wait between the end of one healthy poll and the next. @defaultValue 2000 */
  intervalMs?: number
}
