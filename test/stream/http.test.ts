import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { getStoreHub } from '../../middleware/storeHub'
import {
  streamError,
  streamStart,
  streamStop,
  streamStopped,
} from '../../middleware/stream/actions'
import type { StreamFormat } from '../../middleware/stream/types'
import { type ChangeFeed, createChangeFeed } from '../../server/sse/createChangeFeed'
import { serveChangeStream } from '../../server/sse/serveChangeStream'
import { append, createTestStore, startServer } from './helpers'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function resumeFrom(req: IncomingMessage): string | null {
  const header = req.headers['last-event-id']
  return typeof header === 'string' ? header : null
}

function frame(format: StreamFormat, id: string, data: unknown): string {
  return format === 'sse'
    ? `id: ${id}\ndata: ${JSON.stringify(data)}\n\n`
    : `${JSON.stringify({ ...(data as object), id })}\n`
}

/**
 * Serves `feed`; request i < cuts.length gets cuts[i] complete events after its
 * cursor, then half of the next one, then its socket is destroyed.
 */
async function startCuttingServer(feed: ChangeFeed, format: StreamFormat, cuts: number[]) {
  let request = 0
  const server = await startServer((req: IncomingMessage, res: ServerResponse) => {
    const cut = cuts[request++]
    if (cut === undefined) {
      void serveChangeStream(req, res, { subscribe: feed.subscribe, format })
      return
    }
    res.writeHead(200, {
      'content-type': format === 'sse' ? 'text/event-stream' : 'application/x-ndjson',
    })
    const entries = feed.since(resumeFrom(req))
    let body = entries
      .slice(0, cut)
      .map((e) => frame(format, e.id, e.data))
      .join('')
    const next = entries[cut]
    if (next) {
      const text = frame(format, next.id, next.data)
      body += text.slice(0, Math.floor(text.length / 2))
    }
    res.write(body, () => setTimeout(() => res.socket?.destroy(), 5))
  })
  cleanups.push(server.close)
  return server
}

function stopAfterTest(
  store: { dispatch: (a: ReturnType<typeof streamStop>) => unknown },
  id: string,
) {
  cleanups.push(() => store.dispatch(streamStop({ id })))
}

describe.each(['sse', 'ndjson'] as const)('stream over HTTP (%s)', (format) => {
  it('resumes after cuts mid-message from the last complete event, applying every chunk exactly once', async () => {
    const feed = createChangeFeed()
    for (let i = 1; i <= 30; i++) feed.append(append(i))
    const server = await startCuttingServer(feed, format, [7, 5, 0, 9])
    const { store } = createTestStore({
      id: 'cut',
      url: `${server.url}/feed`,
      format,
      backoff: { baseMs: 1, capMs: 5 },
    })
    stopAfterTest(store, 'cut')
    await vi.waitFor(() => expect(store.getState().feed.items).toHaveLength(30), {
      timeout: 10_000,
    })
    for (let i = 31; i <= 33; i++) feed.append(append(i))
    await vi.waitFor(() => expect(store.getState().feed.items).toHaveLength(33), {
      timeout: 10_000,
    })
    expect(store.getState().feed.items).toEqual(Array.from({ length: 33 }, (_, i) => i + 1))
    expect(server.requests.map(resumeFrom)).toEqual([null, '7', '12', '12', '21'])
    expect(
      server.requests
        .slice(1)
        .map((r) => new URL(r.url ?? '', server.url).searchParams.get('since')),
    ).toEqual(['7', '12', '12', '21'])
    expect(store.getState().patchwire.streams.cut).toMatchObject({ state: 'live', cursor: '33' })
  })

  it('goes on past invalid chunks in the middle of the stream', async () => {
    const feed = createChangeFeed()
    feed.append(append(1))
    feed.append({ type: 'patch' })
    feed.append(append(2))
    const server = await startServer((req, res) => {
      void serveChangeStream(req, res, { subscribe: feed.subscribe, format })
    })
    cleanups.push(server.close)
    const { store } = createTestStore({ id: 'bad', url: server.url, format })
    stopAfterTest(store, 'bad')
    await vi.waitFor(() => expect(store.getState().patchwire.streams.bad?.cursor).toBe('3'))
    expect(store.getState().feed.items).toEqual([1, 2])
    expect(store.getState().patchwire.counters).toMatchObject({ parseErrors: 1, rejected: 1 })
  })
})

describe('stream control and reconnect', () => {
  it('starts on streamStart, closes on streamStop and resumes from the cursor on the next start', async () => {
    const feed = createChangeFeed()
    for (let i = 1; i <= 5; i++) feed.append(append(i))
    let open = 0
    const server = await startServer((req, res) => {
      open++
      void serveChangeStream(req, res, { subscribe: feed.subscribe, format: 'sse' }).then(() => {
        open--
      })
    })
    cleanups.push(server.close)
    const { store, ofType } = createTestStore({ id: 'ctl', url: server.url, autoStart: false })
    stopAfterTest(store, 'ctl')
    await getHydrated(store)
    expect(server.requests).toHaveLength(0)
    store.dispatch(streamStart({ id: 'ctl' }))
    await vi.waitFor(() => expect(store.getState().feed.items).toHaveLength(5))
    store.dispatch(streamStop({ id: 'ctl' }))
    expect(store.getState().patchwire.streams.ctl?.state).toBe('stopped')
    expect(ofType(streamStopped.type)).toEqual([streamStopped({ id: 'ctl', cursor: '5' })])
    await vi.waitFor(() => expect(open).toBe(0))
    for (let i = 6; i <= 8; i++) feed.append(append(i))
    store.dispatch(streamStart({ id: 'ctl' }))
    await vi.waitFor(() => expect(store.getState().feed.items).toHaveLength(8))
    expect(store.getState().feed.items).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    expect(server.requests.map(resumeFrom)).toEqual([null, '5'])
  })

  it('retries failed responses with growing backoff and reports each failure', async () => {
    const feed = createChangeFeed()
    feed.append(append(1))
    let request = 0
    const server = await startServer((req, res) => {
      if (request++ < 3) res.writeHead(503).end()
      else void serveChangeStream(req, res, { subscribe: feed.subscribe })
    })
    cleanups.push(server.close)
    const reported: number[] = []
    const { store, ofType } = createTestStore({
      id: 'retry',
      url: server.url,
      now: () => 1000,
      backoff: { baseMs: 4, factor: 2, capMs: 100, random: () => 0.5 },
      onError: (e) => reported.push(e.attempt),
    })
    stopAfterTest(store, 'retry')
    await vi.waitFor(() => expect(store.getState().feed.items).toEqual([1]))
    const errors = ofType(streamError.type) as ReturnType<typeof streamError>[]
    expect(errors.map((e) => [e.payload.attempt, e.payload.nextRetryAt])).toEqual([
      [1, 1002],
      [2, 1004],
      [3, 1008],
    ])
    expect(errors[0]?.payload.message).toMatch(/503/)
    expect(reported).toEqual([1, 2, 3])
    expect(store.getState().patchwire.streams.retry).toMatchObject({
      state: 'live',
      lastError: null,
    })
  })

  it('resets the backoff after a connection stayed up for the healthy period', async () => {
    let clock = 0
    let call = 0
    const { store, ofType } = createTestStore({
      id: 'healthy',
      now: () => clock,
      backoff: { baseMs: 1, capMs: 8, healthyMs: 10_000, random: () => 0 },
      connect: () => {
        call++
        if (call === 1) throw new Error('refused')
        return (async function* () {
          yield append(call)
          if (call === 3) clock += 20_000
          if (call <= 3) throw new Error(`dropped ${call}`)
          yield append(99)
        })()
      },
    })
    stopAfterTest(store, 'healthy')
    await vi.waitFor(() => expect(store.getState().feed.items).toContain(99))
    store.dispatch(streamStop({ id: 'healthy' }))
    const errors = ofType(streamError.type) as ReturnType<typeof streamError>[]
    expect(errors.map((e) => [e.payload.message, e.payload.attempt])).toEqual([
      ['refused', 1],
      ['dropped 2', 2],
      ['dropped 3', 1],
    ])
  })

  it('hands the cursor of the last applied chunk to the source factory on reconnect', async () => {
    const cursors: (string | null)[] = []
    const { store } = createTestStore({
      id: 'factory',
      backoff: { baseMs: 1, capMs: 2 },
      connect: (cursor) => {
        cursors.push(cursor)
        const start = cursor === null ? 1 : Number(cursor) + 1
        return (async function* () {
          for (let i = start; i < start + 2 && i <= 6; i++) yield { ...append(i), id: i }
        })()
      },
    })
    stopAfterTest(store, 'factory')
    await vi.waitFor(() => expect(store.getState().feed.items).toHaveLength(6))
    await vi.waitFor(() => expect(cursors.length).toBeGreaterThanOrEqual(4))
    expect(cursors.slice(0, 4)).toEqual([null, '2', '4', '6'])
    expect(store.getState().feed.items).toEqual([1, 2, 3, 4, 5, 6])
  })
})

function getHydrated(store: Parameters<typeof getStoreHub>[0]) {
  return getStoreHub(store).whenHydrated()
}
