import type { EventSourceLike } from '../../middleware/stream/types'

type Listener = (event: never) => void

/** The part of the browser EventSource the stream uses, driven by the test. */
export class FakeEventSource implements EventSourceLike {
  readyState = 1
  closed = false
  private readonly listeners = new Map<string, Set<Listener>>()

  addEventListener(type: string, listener: Listener): void {
    const set = this.listeners.get(type) ?? new Set()
    set.add(listener)
    this.listeners.set(type, set)
  }

  removeEventListener(type: string, listener: Listener): void {
    this.listeners.get(type)?.delete(listener)
  }

  close(): void {
    this.closed = true
    this.readyState = 2
  }

  emit(data: string, lastEventId = ''): void {
    for (const l of this.listeners.get('message') ?? []) l({ data, lastEventId } as never)
  }

  /** An error event with the given readyState: 0 (reconnecting by itself) or 2 (closed). */
  fail(readyState: number): void {
    this.readyState = readyState
    for (const l of this.listeners.get('error') ?? []) l({} as never)
  }
}
