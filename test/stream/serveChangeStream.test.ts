import { afterEach, describe, expect, it, vi } from 'vitest'
import { readNdjson } from '../../middleware/stream/sources/ndjson'
import { readSse } from '../../middleware/stream/sources/sse'
import type { StreamEvent } from '../../middleware/stream/types'
import { createChangeFeed } from '../../server/sse/createChangeFeed'
import { serveChangeStream } from '../../server/sse/serveChangeStream'
import { startServer } from './helpers'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe('createChangeFeed', () => {
  it('gives increasing ids and replays what came after a cursor', () => {
    const feed = createChangeFeed()
    expect(feed.lastId).toBeNull()
    expect([feed.append({ n: 1 }), feed.append({ n: 2 }), feed.append({ n: 3 })]).toEqual([
      '1',
      '2',
      '3',
    ])
    expect(feed.since('1').map((e) => e.id)).toEqual(['2', '3'])
    expect(feed.since('3')).toEqual([])
    expect(feed.since(null)).toHaveLength(3)
    expect(feed.since('not a cursor')).toHaveLength(3)
  })

  it('keeps only the last maxEntries entries and resumes an old cursor from the oldest kept', () => {
    const feed = createChangeFeed({ maxEntries: 2 })
    for (let i = 1; i <= 5; i++) feed.append({ n: i })
    expect(feed.since('1').map((e) => e.id)).toEqual(['4', '5'])
    expect(feed.since('4').map((e) => e.id)).toEqual(['5'])
    expect(feed.lastId).toBe('5')
  })

  it('streams a copy of each chunk, so later mutation by the caller changes nothing', () => {
    const feed = createChangeFeed()
    const chunk = { n: 1 }
    feed.append(chunk)
    chunk.n = 2
    expect(feed.since(null)[0]?.data).toEqual({ n: 1 })
  })

  it('replays, then pushes new entries until unsubscribed', () => {
    const feed = createChangeFeed()
    feed.append({ n: 1 })
    const seen: string[] = []
    const unsubscribe = feed.subscribe(null, (e) => seen.push(e.id))
    feed.append({ n: 2 })
    unsubscribe()
    feed.append({ n: 3 })
    expect(seen).toEqual(['1', '2'])
  })

  it('refuses a maxEntries that is not a positive integer, naming it', () => {
    expect(() => createChangeFeed({ maxEntries: 0 })).toThrow(/maxEntries/)
  })
})

async function take(events: AsyncIterable<StreamEvent>, n: number): Promise<StreamEvent[]> {
  const out: StreamEvent[] = []
  for await (const event of events) {
    out.push(event)
    if (out.length === n) break
  }
  return out
}

describe('serveChangeStream', () => {
  async function feedServer(heartbeatMs?: number) {
    const feed = createChangeFeed()
    for (let i = 1; i <= 5; i++) feed.append({ n: i })
    const server = await startServer((req, res) => {
      void serveChangeStream(req, res, {
        subscribe: feed.subscribe,
        ...(heartbeatMs === undefined ? {} : { heartbeatMs }),
      })
    })
    cleanups.push(server.close)
    return server
  }

  it('resumes an SSE response after the Last-Event-ID header', async () => {
    const server = await feedServer()
    const controller = new AbortController()
    cleanups.push(() => controller.abort())
    const response = await fetch(server.url, {
      headers: { accept: 'text/event-stream', 'last-event-id': '3' },
      signal: controller.signal,
    })
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/)
    expect(await take(readSse(response.body!), 2)).toEqual([
      { id: '4', data: { n: 4 } },
      { id: '5', data: { n: 5 } },
    ])
  })

  it('resumes an NDJSON response after ?since= with the id in every line', async () => {
    const server = await feedServer()
    const controller = new AbortController()
    cleanups.push(() => controller.abort())
    const response = await fetch(`${server.url}/?since=2&format=ndjson`, {
      signal: controller.signal,
    })
    expect(await take(readNdjson(response.body!), 3)).toEqual([
      { id: '3', data: { n: 3, id: '3' } },
      { id: '4', data: { n: 4, id: '4' } },
      { id: '5', data: { n: 5, id: '5' } },
    ])
  })

  it('writes keep-alive comments while the feed is idle', async () => {
    const server = await feedServer(5)
    const controller = new AbortController()
    cleanups.push(() => controller.abort())
    const response = await fetch(`${server.url}/?since=5&format=sse`, { signal: controller.signal })
    const reader = response.body!.getReader()
    const { value } = await reader.read()
    expect(new TextDecoder().decode(value)).toContain(': keep-alive')
  })

  it('unsubscribes from the feed when the client goes away', async () => {
    let unsubscribed = 0
    let served: Promise<void> | undefined
    const server = await startServer((req, res) => {
      served = serveChangeStream(req, res, {
        subscribe: () => () => {
          unsubscribed++
        },
      })
    })
    cleanups.push(server.close)
    const controller = new AbortController()
    const response = await fetch(server.url, { signal: controller.signal })
    expect(response.status).toBe(200)
    await response.body?.cancel()
    controller.abort()
    await vi.waitFor(() => expect(served).toBeDefined())
    await served
    expect(unsubscribed).toBe(1)
  })
})
