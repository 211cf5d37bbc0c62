import { PatchwireError } from '../../../src/errors'
import type { EventSourceLike, StreamEvent } from '../types'
import { decodeJson } from './decode'

const CLOSED = 2

/**
 * Reads an `EventSource`. An EventSource pushes and cannot be paused, so
 * events wait in a queue; when more than `maxQueued` wait, the EventSource is
 * closed and the read fails, and a reconnect (from the last applied cursor)
 * picks up where the app got to. Memory stays bounded and no event is lost.
 * The browser's own reconnects (`readyState` CONNECTING) are left to it; a
 * closed EventSource ends the read with an error.
 *
 * @example
 * ```ts
 * for await (const event of readEventSource(new EventSource('/feed'), 10_000)) console.log(event.data)
 * ```
 */
export function readEventSource(
  source: EventSourceLike,
  maxQueued: number,
): AsyncGenerator<StreamEvent> {
  // Listening starts now, not at the first pull: events sent before it are kept.
  const queue: StreamEvent[] = []
  let failure: Error | null = null
  let wake: (() => void) | null = null
  const notify = () => {
    wake?.()
    wake = null
  }
  const onMessage = (event: MessageEvent) => {
    if (failure) return
    if (queue.length >= maxQueued) {
      failure = new PatchwireError(
        'transport',
        `More than ${maxQueued} EventSource events waited to be applied; closed to resume later.`,
        { reason: 'overflow' },
      )
      source.close()
    } else if (typeof event.data === 'string' && event.data !== '') {
      queue.push(decodeJson(event.data, event.lastEventId || undefined))
    }
    notify()
  }
  const onError = () => {
    if (source.readyState !== CLOSED) return
    failure ??= new PatchwireError('transport', 'The EventSource closed.', { reason: 'closed' })
    notify()
  }
  source.addEventListener('message', onMessage as (event: never) => void)
  source.addEventListener('error', onError as (event: never) => void)
  return drain()

  async function* drain(): AsyncGenerator<StreamEvent> {
    try {
      let next = 0
      while (true) {
        if (next < queue.length) {
          const event = queue[next]!
          next++
          // Compact now and then so the queue's storage does not grow with the stream.
          if (next > 1024 && next * 2 > queue.length) {
            queue.splice(0, next)
            next = 0
          }
          yield event
          continue
        }
        queue.length = 0
        next = 0
        if (failure) throw failure
        await new Promise<void>((resolve) => {
          wake = resolve
        })
      }
    } finally {
      source.removeEventListener('message', onMessage as (event: never) => void)
      source.removeEventListener('error', onError as (event: never) => void)
      source.close()
    }
  }
}
