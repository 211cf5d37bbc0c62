import { PatchwireError } from '../../../src/errors'

/** How `fetchStream` asks for the stream after a cursor. */
export interface FetchStreamOptions {
  cursor: string | null
  signal: AbortSignal
  headers: Record<string, string>
  sinceParam: string
  fetch: typeof fetch
}

/**
 * Requests a change stream, resuming after `cursor` both ways servers expect:
 * the `Last-Event-ID` header (SSE) and a `?since=` query parameter.
 * A non-2xx answer fails, so the stream retries with backoff.
 *
 * @example
 * ```ts
 * const response = await fetchStream('/feed', { cursor: '42', signal, headers: {}, sinceParam: 'since', fetch })
 * ```
 */
export async function fetchStream(
  url: string | URL,
  options: FetchStreamOptions,
): Promise<Response> {
  const base = typeof location === 'object' && location?.href ? location.href : undefined
  const target = new URL(url, base)
  const headers: Record<string, string> = {
    accept: 'text/event-stream, application/x-ndjson',
    ...options.headers,
  }
  if (options.cursor !== null) {
    target.searchParams.set(options.sinceParam, options.cursor)
    headers['last-event-id'] = options.cursor
  }
  const response = await options.fetch(target, { headers, signal: options.signal })
  if (!response.ok || !response.body) {
    response.body?.cancel().catch(() => {})
    throw new PatchwireError(
      'transport',
      `GET ${target.pathname} answered ${response.status} ${response.statusText}`.trim(),
      { reason: `http ${response.status}` },
    )
  }
  return response
}
