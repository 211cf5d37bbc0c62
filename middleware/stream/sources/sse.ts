import { createParser, type EventSourceMessage } from 'eventsource-parser'
import type { StreamEvent } from '../types'
import { DEFAULT_MAX_EVENT_BYTES, decodeJson, eventTooLarge, releaseReader } from './decode'

/**
 * Reads Server-Sent Events from a byte stream with eventsource-parser. Each
 * event's `data` is decoded as JSON and its `id:` becomes the cursor. Events
 * without data (keep-alives) and comments are skipped; an event cut off by a
 * failing connection is never dispatched, as in a browser's EventSource.
 *
 * @example
 * ```ts
 * for await (const event of readSse(response.body!)) console.log(event.id, event.data)
 * ```
 */
export async function* readSse(
  body: ReadableStream<Uint8Array>,
  maxEventBytes: number = DEFAULT_MAX_EVENT_BYTES,
): AsyncGenerator<StreamEvent> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  const ready: EventSourceMessage[] = []
  // Characters fed since the last complete event: what the parser may be holding.
  let pending = 0
  const parser = createParser({
    onEvent: (message) => {
      ready.push(message)
      pending = 0
    },
  })
  try {
    while (true) {
      const { value, done } = await reader.read()
      if (done) break
      const text = decoder.decode(value, { stream: true })
      pending += text.length
      parser.feed(text)
      // Drained by index and cleared, so a slow consumer never holds more than one read's events.
      for (let i = 0; i < ready.length; i++) {
        const message = ready[i]!
        if (message.data !== '') yield decodeJson(message.data, message.id)
      }
      ready.length = 0
      if (pending > maxEventBytes) throw eventTooLarge(maxEventBytes, pending)
    }
  } finally {
    releaseReader(reader)
  }
}
