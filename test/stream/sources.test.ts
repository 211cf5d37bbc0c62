import { describe, expect, it } from 'vitest'
import { readEventSource } from '../../middleware/stream/sources/eventSource'
import { readNdjson } from '../../middleware/stream/sources/ndjson'
import { readSse } from '../../middleware/stream/sources/sse'
import type { StreamEvent } from '../../middleware/stream/types'
import { FakeEventSource } from './fakeEventSource'

const encoder = new TextEncoder()

/** A byte stream delivering `pieces`, then ending, or failing when `fail` is set. */
function bytes(pieces: string[], fail?: Error): ReadableStream<Uint8Array> {
  let i = 0
  return new ReadableStream({
    pull(controller) {
      const piece = pieces[i++]
      if (piece !== undefined) controller.enqueue(encoder.encode(piece))
      else if (fail) controller.error(fail)
      else controller.close()
    },
  })
}

async function collect(
  events: AsyncIterable<StreamEvent>,
): Promise<{ events: StreamEvent[]; error?: unknown }> {
  const out: StreamEvent[] = []
  try {
    for await (const event of events) out.push(event)
  } catch (error) {
    return { events: out, error }
  }
  return { events: out }
}

describe('readNdjson', () => {
  it('frames lines split across reads and takes each object id as its cursor', async () => {
    const { events } = await collect(
      readNdjson(bytes(['{"id":1,"a"', ':1}\n\n{"id":"x","b":2}\n{"c"', ':3}'])),
    )
    expect(events).toEqual([
      { id: '1', data: { id: 1, a: 1 } },
      { id: 'x', data: { id: 'x', b: 2 } },
      { data: { c: 3 } },
    ])
  })

  it('turns a line that is not JSON into a parse error and goes on', async () => {
    const { events } = await collect(readNdjson(bytes(['{"a":1}\nnot json\n{"b":2}\n'])))
    expect(events.map((e) => e.parseError === undefined)).toEqual([true, false, true])
  })

  it('never decodes the partial line of a failed stream', async () => {
    const { events, error } = await collect(readNdjson(bytes(['{"a":1}\n{"b":'], new Error('cut'))))
    expect(events).toEqual([{ data: { a: 1 } }])
    expect(error).toBeInstanceOf(Error)
  })
})

describe('event size limit (maxEventBytes)', () => {
  const endless = (first: string) =>
    bytes([first, ...Array.from({ length: 20 }, () => 'x'.repeat(100))])

  it('an NDJSON line that never ends fails the read once it passes the limit, after the complete lines', async () => {
    const { events, error } = await collect(readNdjson(endless('{"a":1}\n{"b":"'), 500))
    expect(events).toEqual([{ data: { a: 1 } }])
    expect(error).toMatchObject({ name: 'PatchwireError', code: 'too_large' })
  })

  it('an SSE event that never ends fails the read once it passes the limit, after the complete events', async () => {
    const { events, error } = await collect(
      readSse(endless('id: 1\ndata: {"a":1}\n\ndata: "'), 500),
    )
    expect(events).toEqual([{ id: '1', data: { a: 1 } }])
    expect(error).toMatchObject({ name: 'PatchwireError', code: 'too_large' })
  })

  it('events under the limit pass however many there are', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => `{"i":${i}}\n`)
    const { events, error } = await collect(readNdjson(bytes(lines), 20))
    expect(error).toBeUndefined()
    expect(events).toHaveLength(50)
  })
})

describe('readSse', () => {
  it('decodes each event with its id: line as the cursor, whatever the read boundaries', async () => {
    const { events } = await collect(
      readSse(bytes(['id: 1\nda', 'ta: {"a":1}\n', '\n: keep-alive\n\nid: 2\ndata: {"b":2}\n\n'])),
    )
    expect(events).toEqual([
      { id: '1', data: { a: 1 } },
      { id: '2', data: { b: 2 } },
    ])
  })

  it('drops an event cut off by a failed connection', async () => {
    const { events, error } = await collect(
      readSse(bytes(['id: 1\ndata: {"a":1}\n\nid: 2\ndata: {"b"'], new Error('cut'))),
    )
    expect(events).toEqual([{ id: '1', data: { a: 1 } }])
    expect(error).toBeInstanceOf(Error)
  })
})

describe('readEventSource', () => {
  it('yields messages with their lastEventId as the cursor', async () => {
    const source = new FakeEventSource()
    const read = readEventSource(source, 10)[Symbol.asyncIterator]()
    source.emit('{"a":1}', '7')
    expect((await read.next()).value).toEqual({ id: '7', data: { a: 1 } })
    await read.return?.(undefined)
    expect(source.closed).toBe(true)
  })

  it('closes the EventSource and fails when more events wait than allowed, keeping the queued ones', async () => {
    const source = new FakeEventSource()
    const read = readEventSource(source, 2)
    for (let i = 1; i <= 5; i++) source.emit(`{"n":${i}}`, String(i))
    const { events, error } = await collect(read)
    expect(events.map((e) => e.id)).toEqual(['1', '2'])
    expect(String(error)).toMatch(/waited to be applied/)
    expect(source.closed).toBe(true)
  })

  it('ends with an error when the EventSource closes, not while it reconnects by itself', async () => {
    const source = new FakeEventSource()
    const read = readEventSource(source, 10)
    source.fail(0)
    source.emit('{"a":1}', '1')
    source.fail(2)
    const { events, error } = await collect(read)
    expect(events).toEqual([{ id: '1', data: { a: 1 } }])
    expect(String(error)).toMatch(/closed/)
  })
})
