import { createParser, type EventSourceMessage } from 'eventsource-parser'
import type { StreamEvent } from '../types'
import { decodeJson, releaseReader } from './decode'

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
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<StreamEvent> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  const ready: EventSourceMessage[] = []
  const parser = createParser({ onEvent: (message) => ready.push(message) })
  try {
    while (true) {
      const { value, done } = await reader.read()
      if (done) break
      parser.feed(decoder.decode(value, { stream: true }))
      // Drained by index and cleared, so a slow consumer never holds more than one read's events.
      for (let i = 0; i < ready.length; i++) {
        const message = ready[i]!
        if (message.data !== '') yield decodeJson(message.data, message.id)
      }
      ready.length = 0
    }
  } finally {
    releaseReader(reader)
  }
}
