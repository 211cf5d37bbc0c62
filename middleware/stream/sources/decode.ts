import { PatchwireError } from '../../../src/errors'
import type { StreamEvent } from '../types'

/** Default most characters one framed event may take before it is refused. */
export const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024

/**
 * A framed event that grew past the limit: the connection fails (and reconnects
 * from the cursor) instead of buffering a line that never ends.
 */
export function eventTooLarge(max: number, received: number): PatchwireError<'too_large'> {
  return new PatchwireError(
    'too_large',
    `A stream event grew past ${max} characters (maxEventBytes) without ending; the connection is dropped.`,
    { limit: 'maxEventBytes', max, received },
  )
}

/** The cursor a decoded frame carries in its own `id` field, if any. */
export function idOf(data: unknown): string | undefined {
  if (data === null || typeof data !== 'object') return undefined
  const id = (data as { id?: unknown }).id
  if (typeof id === 'string') return id
  if (typeof id === 'number' && Number.isFinite(id)) return String(id)
  return undefined
}

/** Decodes one JSON frame; a frame that is not JSON becomes a parse error, not an exception. */
export function decodeJson(text: string, frameId?: string): StreamEvent {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (err) {
    const event: StreamEvent = {
      parseError: `A frame is not JSON (${err instanceof Error ? err.message : String(err)}): ${text.slice(0, 80)}`,
    }
    if (frameId !== undefined) event.id = frameId
    return event
  }
  const id = frameId ?? idOf(data)
  return id === undefined ? { data } : { data, id }
}

/** Releases a reader without surfacing the rejection of an already failed stream. */
export function releaseReader(reader: ReadableStreamDefaultReader<Uint8Array>): void {
  reader.cancel().catch(() => {})
}
