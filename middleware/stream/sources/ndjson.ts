import type { StreamEvent } from '../types'
import { DEFAULT_MAX_EVENT_BYTES, decodeJson, eventTooLarge, releaseReader } from './decode'

/**
 * Reads newline-delimited JSON from a byte stream, one event per line; blank
 * lines (heartbeats) are skipped. The stream is read only as fast as events are
 * pulled, so a slow consumer holds the producer back through the stream's own
 * back-pressure. A line cut off by a failing connection is never decoded.
 *
 * @example
 * ```ts
 * for await (const event of readNdjson(response.body!)) console.log(event.id, event.data)
 * ```
 */
export async function* readNdjson(
  body: ReadableStream<Uint8Array>,
  maxEventBytes: number = DEFAULT_MAX_EVENT_BYTES,
): AsyncGenerator<StreamEvent> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  try {
    while (true) {
      const { value, done } = await reader.read()
      if (done) break
      buffer += decoder.decode(value, { stream: true })
      let newline = buffer.indexOf('\n')
      while (newline !== -1) {
        const line = buffer.slice(0, newline).trim()
        buffer = buffer.slice(newline + 1)
        if (line !== '') yield decodeJson(line)
        newline = buffer.indexOf('\n')
      }
      if (buffer.length > maxEventBytes) throw eventTooLarge(maxEventBytes, buffer.length)
    }
    // Only a cleanly ended stream may finish without a newline; an error above skips this.
    const last = (buffer + decoder.decode()).trim()
    if (last !== '') yield decodeJson(last)
  } finally {
    releaseReader(reader)
  }
}
