import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { type Action, configureStore, type Middleware } from '@reduxjs/toolkit'
import { createApi, fakeBaseQuery } from '@reduxjs/toolkit/query'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { z } from 'zod'
// Only the public entry, so this file also runs against the packed build (vitest.packed.config.ts).
import {
  isPatchwireError,
  type PatchRejectedPayload,
  patchRejected,
  patchwireMiddleware,
  patchwireReducer,
  type StreamIntoCacheOptions,
  type StreamStatus,
  streamError,
  streamIntoCache,
  streamStopped,
} from '../../src/index'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const Metrics = z.object({ label: z.string(), points: z.array(z.number()) })
type Metrics = z.infer<typeof Metrics>

const point = (n: unknown) => ({ type: 'patch', ops: [{ op: 'add', path: '/points/-', value: n }] })

interface FeedEvent {
  id: string
  data: unknown
}

/**
 * An SSE server on port 0 over one growing list of events. A request resumes
 * after its `Last-Event-ID`; request i < cuts.length gets cuts[i] events, half
 * of the next one, then loses its socket; later requests stay open for pushes.
 */
async function startFeed(cuts: number[] = []) {
  const events: FeedEvent[] = []
  const open = new Set<(event: FeedEvent) => void>()
  const resumedFrom: (string | null)[] = []
  let closed = 0
  const frame = (e: FeedEvent) => `id: ${e.id}\ndata: ${JSON.stringify(e.data)}\n\n`
  const sockets = new Set<Socket>()
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const header = req.headers['last-event-id']
    const from = typeof header === 'string' ? header : null
    const index = resumedFrom.push(from) - 1
    const send = (e: FeedEvent) => res.write(frame(e))
    req.on('close', () => {
      closed++
      open.delete(send)
    })
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    res.flushHeaders()
    const after = events.slice(events.findIndex((e) => e.id === from) + 1)
    const cut = cuts[index]
    if (cut !== undefined) {
      let body = after.slice(0, cut).map(frame).join('')
      const next = after[cut]
      if (next) body += frame(next).slice(0, Math.floor(frame(next).length / 2))
      res.write(body, () => setTimeout(() => res.socket?.destroy(), 5))
      return
    }
    for (const e of after) send(e)
    open.add(send)
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  )
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    resumedFrom,
    closed: () => closed,
    push(data: unknown) {
      const event = { id: String(events.length + 1), data }
      events.push(event)
      for (const send of open) send(event)
    },
  }
}

/** A real RTK Query api whose `metrics` endpoint loads a first value, then streams into it. */
function createMetricsStore(
  url: string,
  extra: Partial<StreamIntoCacheOptions<typeof Metrics, string>> = {},
) {
  const actions: Action[] = []
  const rejections: PatchRejectedPayload[] = []
  const logger: Middleware = () => (next) => (action) => {
    actions.push(action as Action)
    return next(action)
  }
  const api = createApi({
    baseQuery: fakeBaseQuery(),
    endpoints: (build) => ({
      metrics: build.query<Metrics, string>({
        queryFn: (label) => ({ data: { label, points: [] } }),
        keepUnusedDataFor: 0,
        onCacheEntryAdded: streamIntoCache({
          id: (label) => `metrics:${label}`,
          ...(extra.source || extra.poll
            ? {}
            : { url: (label: string) => `${url}/metrics/${label}` }),
          format: 'sse',
          schema: Metrics,
          backoff: { baseMs: 10, capMs: 50 },
          onPatchRejected: (r) => rejections.push(r),
          ...extra,
        }),
      }),
    }),
  })
  const store = configureStore({
    reducer: { [api.reducerPath]: api.reducer, patchwire: patchwireReducer },
    middleware: (gDM) => gDM().concat(logger, api.middleware, patchwireMiddleware()),
  })
  const data = () => api.endpoints.metrics.select('cpu')(store.getState()).data
  const status = () => store.getState().patchwire.streams['metrics:cpu']
  return { api, store, actions, rejections, data, status }
}

const WAIT = { timeout: 10_000, interval: 10 }

describe('streamIntoCache', () => {
  it('applies the chunks of an SSE stream to the cache entry in order', async () => {
    const feed = await startFeed()
    const { api, store, data, status } = createMetricsStore(feed.url)
    const sub = store.dispatch(api.endpoints.metrics.initiate('cpu'))
    cleanups.push(() => sub.unsubscribe())
    await vi.waitFor(() => expect(status()?.state).toBe('live'), WAIT)
    for (const n of [3, 1, 2]) feed.push(point(n))
    feed.push({ type: 'replace', path: '/label', value: 'CPU' })
    await vi.waitFor(() => expect(data()).toEqual({ label: 'CPU', points: [3, 1, 2] }), WAIT)
    expect(status()).toMatchObject({ state: 'live', cursor: '4', chunksApplied: 4 })
  })

  it('replaces the whole cache entry with a replace chunk that has no path', async () => {
    const feed = await startFeed()
    const { api, store, data, status } = createMetricsStore(feed.url)
    const sub = store.dispatch(api.endpoints.metrics.initiate('cpu'))
    cleanups.push(() => sub.unsubscribe())
    await vi.waitFor(() => expect(status()?.state).toBe('live'), WAIT)
    feed.push(point(1))
    feed.push({ type: 'replace', value: { label: 'reset', points: [9] } })
    await vi.waitFor(() => expect(data()).toEqual({ label: 'reset', points: [9] }), WAIT)
  })

  it('rejects a chunk the schema refuses, visibly, and goes on with the stream', async () => {
    const feed = await startFeed()
    const { api, store, actions, rejections, data, status } = createMetricsStore(feed.url)
    const sub = store.dispatch(api.endpoints.metrics.initiate('cpu'))
    cleanups.push(() => sub.unsubscribe())
    await vi.waitFor(() => expect(status()?.state).toBe('live'), WAIT)
    feed.push(point(1))
    feed.push(point('not a number'))
    feed.push(point(2))
    await vi.waitFor(() => expect(data()?.points).toEqual([1, 2]), WAIT)
    const refused = actions.filter(patchRejected.match)
    expect(refused).toHaveLength(1)
    expect(refused[0]?.payload).toMatchObject({
      source: 'stream',
      reason: 'schema',
      stage: 'client',
      change: { id: '2' },
    })
    expect(refused[0]?.payload.issues[0]?.path).toEqual(['points', 1])
    expect(rejections.map((r) => r.reason)).toEqual(['schema'])
    expect(store.getState().patchwire.counters.rejected).toBe(1)
    expect(status()?.cursor).toBe('3')
  })

  it('leaves the cache entry as it was when one op of a chunk fails', async () => {
    const feed = await startFeed()
    const { api, store, rejections, data, status } = createMetricsStore(feed.url)
    const sub = store.dispatch(api.endpoints.metrics.initiate('cpu'))
    cleanups.push(() => sub.unsubscribe())
    await vi.waitFor(() => expect(status()?.state).toBe('live'), WAIT)
    feed.push({
      type: 'patch',
      ops: [
        { op: 'add', path: '/points/-', value: 1 },
        { op: 'replace', path: '/points/7', value: 2 },
      ],
    })
    feed.push(point(5))
    await vi.waitFor(() => expect(data()?.points).toEqual([5]), WAIT)
    expect(rejections.map((r) => r.reason)).toEqual(['index_out_of_range'])
  })

  it('resumes from Last-Event-ID after a dropped connection, without duplicates', async () => {
    // The first connection delivers two events and half of the third, then drops.
    const feed = await startFeed([2])
    for (const n of [1, 2, 3, 4]) feed.push(point(n))
    const { api, store, data } = createMetricsStore(feed.url)
    const sub = store.dispatch(api.endpoints.metrics.initiate('cpu'))
    cleanups.push(() => sub.unsubscribe())
    await vi.waitFor(() => expect(data()?.points).toEqual([1, 2, 3, 4]), WAIT)
    feed.push(point(5))
    await vi.waitFor(() => expect(data()?.points).toEqual([1, 2, 3, 4, 5]), WAIT)
    expect(feed.resumedFrom).toEqual([null, '2'])
  })

  it('resumes after the cursor the loaded data carries', async () => {
    const feed = await startFeed()
    for (const n of [1, 2, 3]) feed.push(point(n))
    const { api, store, data, status } = createMetricsStore(feed.url, { cursor: () => '2' })
    const sub = store.dispatch(api.endpoints.metrics.initiate('cpu'))
    cleanups.push(() => sub.unsubscribe())
    await vi.waitFor(() => expect(status()?.cursor).toBe('3'), WAIT)
    expect(data()?.points).toEqual([3])
    expect(feed.resumedFrom).toEqual(['2'])
  })

  it('stops the stream and closes its connection when the cache entry is removed', async () => {
    const feed = await startFeed()
    const { api, store, actions, data, status } = createMetricsStore(feed.url)
    const sub = store.dispatch(api.endpoints.metrics.initiate('cpu'))
    await vi.waitFor(() => expect(status()?.state).toBe('live'), WAIT)
    feed.push(point(1))
    await vi.waitFor(() => expect(data()?.points).toEqual([1]), WAIT)
    sub.unsubscribe()
    await vi.waitFor(() => expect(feed.closed()).toBe(1), WAIT)
    expect(data()).toBeUndefined()
    expect(status()?.state).toBe('stopped')
    expect(actions.filter(streamStopped.match).map((a) => a.payload)).toEqual([
      { id: 'metrics:cpu', cursor: '1' },
    ])
    expect(feed.resumedFrom).toHaveLength(1)
  })

  // The statuses an entry's stream shows, from the status actions after `from` folded onto
  // the entry as it stood then (action order, whatever the store's notification batching).
  const statusesAfter = (
    actions: Action[],
    from: number,
    before: StreamStatus | undefined,
    id = 'metrics:cpu',
  ): StreamStatus[] => {
    const shown: StreamStatus[] = []
    let current = before
    for (const action of actions.slice(from)) {
      // The status action by its type: its creator is not part of the public entry.
      if (action.type !== 'patchwire/streamStatusChanged') continue
      const { id: of, ...fields } = (
        action as unknown as { payload: { id: string } & Partial<StreamStatus> }
      ).payload
      if (of !== id) continue
      current = { ...(current as StreamStatus), ...fields }
      shown.push(current)
    }
    return shown
  }

  it('starts a new cache entry’s status over instead of continuing the removed entry’s count', async () => {
    const feed = await startFeed()
    const { api, store, actions, data, status } = createMetricsStore(feed.url)
    const first = store.dispatch(api.endpoints.metrics.initiate('cpu'))
    await vi.waitFor(() => expect(status()?.state).toBe('live'), WAIT)
    feed.push(point(1))
    feed.push(point(2))
    await vi.waitFor(() => expect(status()?.chunksApplied).toBe(2), WAIT)
    first.unsubscribe()
    await vi.waitFor(() => expect(feed.closed()).toBe(1), WAIT)
    const mark = actions.length
    const before = status()
    const second = store.dispatch(api.endpoints.metrics.initiate('cpu'))
    cleanups.push(() => second.unsubscribe())
    // No cursor in the loaded data: the feed replays both events into the new entry.
    await vi.waitFor(() => expect(data()?.points).toEqual([1, 2]), WAIT)
    await vi.waitFor(() => expect(status()?.chunksApplied).toBe(2), WAIT)
    const shown = statusesAfter(actions, mark, before)
    expect(shown[0]).toMatchObject({
      state: 'stopped',
      cursor: null,
      chunksApplied: 0,
      lastError: null,
    })
    const counts = shown.map((s) => s.chunksApplied)
    expect(counts).toEqual([...counts].sort((a, b) => a - b))
    expect(shown.find((s) => s.state === 'live')?.chunksApplied).toBe(0)
  })

  it('starts a new poll entry’s figures over after a removed entry halted under the same id', async () => {
    let halt = true
    const { api, store, actions, status } = createMetricsStore('', {
      poll: {
        intervalMs: 10,
        fetch: async () =>
          halt
            ? { halt: 'forbidden', message: 'Signed out.' }
            : { chunks: [point(1)], cursor: 'p1' },
      },
    })
    const first = store.dispatch(api.endpoints.metrics.initiate('cpu'))
    await vi.waitFor(() => expect(status()?.poll?.phase).toBe('halted'), WAIT)
    first.unsubscribe()
    await vi.waitFor(
      () => expect(api.endpoints.metrics.select('cpu')(store.getState()).data).toBeUndefined(),
      WAIT,
    )
    halt = false
    const mark = actions.length
    const before = status()
    const second = store.dispatch(api.endpoints.metrics.initiate('cpu'))
    cleanups.push(() => second.unsubscribe())
    await vi.waitFor(() => expect(status()?.poll?.phase).toBe('streaming'), WAIT)
    const shown = statusesAfter(actions, mark, before)
    expect(shown[0]).toMatchObject({
      state: 'stopped',
      lastError: null,
      chunksApplied: 0,
      poll: { phase: 'idle', haltReason: null, consecutiveFailures: 0 },
    })
    expect(shown.some((s) => s.poll?.phase === 'halted')).toBe(false)
  })

  it('gives a second live entry under the same id its data but no stream, with a streamError saying why', async () => {
    const feed = await startFeed()
    const errors: string[] = []
    const { api, store, actions, status } = createMetricsStore(feed.url, {
      id: 'metrics:cpu',
      url: `${feed.url}/metrics/all`,
      onError: (e) => errors.push(e.message),
    })
    const cpu = store.dispatch(api.endpoints.metrics.initiate('cpu'))
    cleanups.push(() => cpu.unsubscribe())
    await vi.waitFor(() => expect(status()?.state).toBe('live'), WAIT)
    feed.push(point(1))
    await vi.waitFor(() => expect(status()?.chunksApplied).toBe(1), WAIT)
    const mem = store.dispatch(api.endpoints.metrics.initiate('mem'))
    cleanups.push(() => mem.unsubscribe())
    await vi.waitFor(() => expect(errors).toHaveLength(1), WAIT)
    expect(errors[0]).toContain('"metrics:cpu" already streams into another cache entry')
    expect(actions.filter(streamError.match).map((a) => a.payload.id)).toEqual(['metrics:cpu'])
    await vi.waitFor(
      () =>
        expect(api.endpoints.metrics.select('mem')(store.getState()).data).toEqual({
          label: 'mem',
          points: [],
        }),
      WAIT,
    )
    // The live entry's stream and status go on as they were.
    feed.push(point(2))
    await vi.waitFor(
      () => expect(status()).toMatchObject({ state: 'live', chunksApplied: 2 }),
      WAIT,
    )
    expect(feed.resumedFrom).toHaveLength(1)
  })

  it('reads an async iterable source into the cache entry', async () => {
    async function* chunks() {
      yield point(7)
      yield point(8)
    }
    const { api, store, data, status } = createMetricsStore('', { source: chunks() })
    const sub = store.dispatch(api.endpoints.metrics.initiate('cpu'))
    cleanups.push(() => sub.unsubscribe())
    // Read once: it ends, and the stream stops after applying both chunks.
    await vi.waitFor(() => expect(data()?.points).toEqual([7, 8]), WAIT)
    await vi.waitFor(
      () => expect(status()).toMatchObject({ state: 'stopped', chunksApplied: 2 }),
      WAIT,
    )
  })

  it('polls a poll source into the cache entry, resuming each poll from its cursor', async () => {
    const asked: (string | null)[] = []
    const pages: Record<string, { chunks: unknown[]; cursor: string }> = {
      start: { chunks: [point(1), point(2)], cursor: 'p1' },
      p1: { chunks: [point(3)], cursor: 'p2' },
    }
    const { api, store, data } = createMetricsStore('', {
      poll: {
        intervalMs: 10,
        fetch: async (cursor) => {
          asked.push(cursor)
          return pages[cursor ?? 'start'] ?? { chunks: [], cursor: cursor ?? 'start' }
        },
      },
    })
    const sub = store.dispatch(api.endpoints.metrics.initiate('cpu'))
    cleanups.push(() => sub.unsubscribe())
    await vi.waitFor(() => expect(data()?.points).toEqual([1, 2, 3]), WAIT)
    await vi.waitFor(() => expect(asked.slice(0, 3)).toEqual([null, 'p1', 'p2']), WAIT)
  })

  it('throws at setup, naming the option, when the schema is missing', () => {
    const misuse = () =>
      streamIntoCache({ id: 'x', url: '/x', schema: undefined } as never as StreamIntoCacheOptions<
        typeof Metrics,
        void
      >)
    expect(misuse).toThrow(/streamIntoCache: schema must be a Standard Schema/)
    try {
      misuse()
    } catch (err) {
      expect(isPatchwireError(err, 'option')).toBe(true)
    }
  })
})
