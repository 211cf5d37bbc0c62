import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FeedEntry, FeedListener } from './createChangeFeed'

/** Options of `serveChangeStream`. */
export interface ServeChangeStreamOptions {
  /**
   * Replays the entries after `since` and pushes new ones until the returned
   * function is called (the client went away). `createChangeFeed().subscribe` fits.
   */
  subscribe: (since: string | null, push: FeedListener) => (() => void) | undefined
  /** Response framing. @defaultValue 'sse' when the request accepts text/event-stream or asks ?format=sse, else 'ndjson' */
  format?: 'sse' | 'ndjson'
  /** Where to resume. @defaultValue the Last-Event-ID header, else the ?since= query parameter, else null */
  since?: string | null
  /** Interval of keep-alive lines (SSE comments, blank NDJSON lines); 0 turns them off. @defaultValue 15000 */
  heartbeatMs?: number
  /** SSE `retry:` hint for browsers' EventSource, in ms. @defaultValue undefined (not sent) */
  retryMs?: number
}

function requestedFormat(req: IncomingMessage, url: URL): 'sse' | 'ndjson' {
  const asked = url.searchParams.get('format')
  if (asked === 'sse' || asked === 'ndjson') return asked
  return (req.headers.accept ?? '').includes('text/event-stream') ? 'sse' : 'ndjson'
}

function resumeFrom(req: IncomingMessage, url: URL): string | null {
  const header = req.headers['last-event-id']
  const lastEventId = Array.isArray(header) ? header[0] : header
  if (lastEventId !== undefined && lastEventId !== '') return lastEventId
  return url.searchParams.get('since')
}

// SSE data may not contain raw newlines; JSON.stringify never emits them, so one data: line suffices.
function sseFrame(entry: FeedEntry): string {
  return `id: ${entry.id.replace(/[\r\n]/g, '')}\ndata: ${JSON.stringify(entry.data)}\n\n`
}

function ndjsonFrame(entry: FeedEntry): string {
  const data = entry.data
  const body =
    data !== null && typeof data === 'object' && !Array.isArray(data)
      ? { ...(data as Record<string, unknown>), id: entry.id }
      : { id: entry.id, data }
  return `${JSON.stringify(body)}\n`
}

/**
 * Serves a stream of changes on a Node HTTP response, as Server-Sent Events
 * (`id:` on every event) or NDJSON (`{"id": ..., ...chunk}` per line). A
 * client resumes with `Last-Event-ID` or `?since=`; keep-alives stop proxies
 * from closing an idle stream. Resolves when the client disconnects.
 *
 * @example
 * ```ts
 * const feed = createChangeFeed()
 * http.createServer((req, res) => {
 *   if (req.url?.startsWith('/prices')) void serveChangeStream(req, res, { subscribe: feed.subscribe })
 * })
 * ```
 */
export function serveChangeStream(
  req: IncomingMessage,
  res: ServerResponse,
  options: ServeChangeStreamOptions,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost')
  const format = options.format ?? requestedFormat(req, url)
  const since = options.since !== undefined ? options.since : resumeFrom(req, url)
  const frame = format === 'sse' ? sseFrame : ndjsonFrame
  res.writeHead(200, {
    'content-type': format === 'sse' ? 'text/event-stream; charset=utf-8' : 'application/x-ndjson',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // Tells nginx not to buffer the stream.
    'x-accel-buffering': 'no',
  })
  // Sent now, so a client of an idle feed sees the stream open instead of waiting for the first write.
  res.flushHeaders()
  if (format === 'sse' && options.retryMs !== undefined) res.write(`retry: ${options.retryMs}\n\n`)
  const heartbeatMs = options.heartbeatMs ?? 15_000
  const heartbeat =
    heartbeatMs > 0
      ? setInterval(() => res.write(format === 'sse' ? ': keep-alive\n\n' : '\n'), heartbeatMs)
      : undefined
  heartbeat?.unref?.()
  return new Promise((resolve) => {
    let unsubscribe: (() => void) | undefined
    let closed = false
    const close = () => {
      if (closed) return
      closed = true
      clearInterval(heartbeat)
      unsubscribe?.()
      resolve()
    }
    res.on('close', close)
    unsubscribe = options.subscribe(since, (entry) => {
      if (!closed && !res.writableEnded) res.write(frame(entry))
    })
    if (closed) unsubscribe?.()
  })
}
