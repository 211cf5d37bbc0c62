import type { EventSourceLike, StreamEvent, StreamFormat, StreamSource } from '../types'
import { idOf } from './decode'
import { readEventSource } from './eventSource'
import { readNdjson } from './ndjson'
import { readSse } from './sse'

function isEventSource(source: object): source is EventSourceLike {
  return (
    'addEventListener' in source &&
    'close' in source &&
    'readyState' in source &&
    !('getReader' in source)
  )
}

function isResponse(source: object): source is Response {
  return 'body' in source && 'headers' in source && 'status' in source
}

function isByteStream(source: object): source is ReadableStream<Uint8Array> {
  return typeof (source as { getReader?: unknown }).getReader === 'function'
}

function toEvent(data: unknown): StreamEvent {
  const id = idOf(data)
  return id === undefined ? { data } : { data, id }
}

// A plain iterator adapter rather than an async generator: one promise hop per
// chunk instead of a generator's several, which shows on fast local producers.
function readChunks(
  chunks: AsyncIterable<unknown> | Iterable<unknown>,
): AsyncIterable<StreamEvent> {
  return {
    [Symbol.asyncIterator]() {
      if (!(Symbol.asyncIterator in chunks)) {
        const it = chunks[Symbol.iterator]()
        return {
          next: async () => {
            const r = it.next()
            return r.done
              ? { done: true, value: undefined }
              : { done: false, value: toEvent(r.value) }
          },
          return: async () => {
            it.return?.()
            return { done: true, value: undefined }
          },
        }
      }
      const it = chunks[Symbol.asyncIterator]()
      return {
        next: () =>
          it
            .next()
            .then(
              (r): IteratorResult<StreamEvent> =>
                r.done
                  ? { done: true, value: undefined }
                  : { done: false, value: toEvent(r.value) },
            ),
        return: async () => {
          await it.return?.()
          return { done: true, value: undefined }
        },
      }
    },
  }
}

/** True when a value is something `stream` can read. */
export function isStreamSource(value: unknown): value is StreamSource {
  if (value === null || typeof value !== 'object') return false
  return (
    Symbol.asyncIterator in value ||
    Symbol.iterator in value ||
    isByteStream(value) ||
    isResponse(value) ||
    isEventSource(value)
  )
}

/**
 * Turns any supported source into one pull-based sequence of events: fetch
 * responses and byte streams are framed (NDJSON or SSE; a response's content
 * type decides when `format` is not given), EventSources are queued up to
 * `maxQueued`, and iterables of chunks are read as they are.
 *
 * @example
 * ```ts
 * for await (const event of readSource(response, { maxQueued: 1000 })) console.log(event)
 * ```
 */
export function readSource(
  source: StreamSource,
  options: {
    format?: StreamFormat | undefined
    maxQueued: number
    maxEventBytes?: number | undefined
  },
): AsyncIterable<StreamEvent> {
  if (isResponse(source)) {
    const type = source.headers.get('content-type') ?? ''
    const format = options.format ?? (type.includes('text/event-stream') ? 'sse' : 'ndjson')
    const body = source.body
    if (!body) return readChunks([])
    return format === 'sse'
      ? readSse(body, options.maxEventBytes)
      : readNdjson(body, options.maxEventBytes)
  }
  if (isByteStream(source)) {
    return options.format === 'sse'
      ? readSse(source, options.maxEventBytes)
      : readNdjson(source, options.maxEventBytes)
  }
  if (Symbol.asyncIterator in source || Symbol.iterator in source) {
    return readChunks(source as AsyncIterable<unknown> | Iterable<unknown>)
  }
  return readEventSource(source, options.maxQueued)
}
