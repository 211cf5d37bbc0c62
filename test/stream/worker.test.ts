import type { IncomingMessage } from 'node:http'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { streamStop } from '../../middleware/stream/actions'
import { stream } from '../../middleware/stream/stream'
import { createChangeFeed } from '../../server/sse/createChangeFeed'
import { serveChangeStream } from '../../server/sse/serveChangeStream'
import { type applyPatch, patchRejected } from '../../src/actions'
import { isVouched } from '../../src/vouchedChanges'
import { append, createTestStore, startServer } from './helpers'
import { nodeStreamWorkers } from './worker/nodeWorker'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const lastEventId = (req: IncomingMessage) => req.headers['last-event-id'] ?? null

async function feedServer(feed = createChangeFeed()) {
  let open = 0
  const server = await startServer((req, res) => {
    open++
    res.once('close', () => {
      open--
    })
    void serveChangeStream(req, res, { subscribe: feed.subscribe })
  })
  cleanups.push(server.close)
  return { ...server, feed, open: () => open }
}

function workerStore(
  id: string,
  url: string,
  extra: Parameters<typeof stream>[0] | object = {},
  workers = nodeStreamWorkers(),
) {
  const made = createTestStore({
    id,
    url,
    format: 'sse',
    worker: workers.create,
    backoff: { baseMs: 1, capMs: 5 },
    ...extra,
  })
  cleanups.push(() => vi.waitFor(() => expect(workers.running()).toBe(0), { timeout: 20_000 }))
  cleanups.push(() => made.store.dispatch(streamStop({ id })))
  return { ...made, workers }
}

describe('stream in a worker', () => {
  it('applies every chunk the worker read, in order, as stream changes with their cursor', async () => {
    const server = await feedServer()
    for (let i = 1; i <= 50; i++) server.feed.append(append(i))
    const { store, ofType, workers } = workerStore('w1', server.url)
    await vi.waitFor(() => expect(store.getState().feed.items).toHaveLength(50), {
      timeout: 20_000,
    })
    expect(store.getState().feed.items).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
    const changes = ofType('patchwire/applyPatch').flatMap(
      (a) =>
        (a as unknown as { payload: { changes: { source: string; id?: string }[] } }).payload
          .changes,
    )
    expect(changes.map((c) => c.source)).toEqual(Array(50).fill('stream'))
    expect(changes.map((c) => c.id)).toEqual(Array.from({ length: 50 }, (_, i) => String(i + 1)))
    expect(workers.created()).toBe(1)
    expect(store.getState().patchwire.streams.w1).toMatchObject({
      state: 'live',
      cursor: '50',
      chunksApplied: 50,
    })
  })

  it('dispatches each batch without RTK_autoBatch, its status update right after it', async () => {
    const server = await feedServer()
    for (let i = 1; i <= 30; i++) server.feed.append(append(i))
    const { store, actions } = workerStore('wb', server.url)
    await vi.waitFor(() => expect(store.getState().patchwire.streams.wb?.cursor).toBe('30'), {
      timeout: 20_000,
    })
    const types = actions.map((a) => a.type)
    const batches = actions.flatMap((a, i) => (a.type === 'patchwire/applyPatch' ? [i] : []))
    expect(batches.length).toBeGreaterThan(0)
    for (const i of batches) {
      expect((actions[i] as ReturnType<typeof applyPatch>).meta.RTK_autoBatch).toBeUndefined()
      // That status dispatch notifies subscribers: the batch needs no frame of its own.
      expect(types[i + 1]).toBe('patchwire/streamStatusChanged')
    }
  })

  it('rejects and counts a chunk that is not JSON or not a chunk, and goes on', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write(`id: 1\ndata: ${JSON.stringify(append(1))}\n\n`)
      res.write('id: 2\ndata: {not json\n\n')
      res.write(`id: 3\ndata: ${JSON.stringify({ type: 'patch' })}\n\n`)
      res.write(`id: 4\ndata: ${JSON.stringify(append(4))}\n\n`)
    })
    cleanups.push(server.close)
    const { store, ofType, workers } = workerStore('w2', server.url)
    await vi.waitFor(() => expect(store.getState().patchwire.streams.w2?.cursor).toBe('4'), {
      timeout: 20_000,
    })
    expect(store.getState().feed.items).toEqual([1, 4])
    expect(store.getState().patchwire.counters).toMatchObject({ parseErrors: 2, rejected: 2 })
    const rejected = ofType(patchRejected.type) as ReturnType<typeof patchRejected>[]
    expect(rejected.map((r) => [r.payload.change.id, r.payload.reason])).toEqual([
      ['2', 'parse'],
      ['3', 'bad_request'],
    ])
    expect(workers.created()).toBe(1)
  })

  it('hands the changes the worker checked to the reducer vouched for', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      for (let i = 1; i <= 20; i++) res.write(`id: ${i}\ndata: ${JSON.stringify(append(i))}\n\n`)
    })
    cleanups.push(server.close)
    const { store, ofType } = workerStore('w10', server.url)
    await vi.waitFor(() => expect(store.getState().patchwire.streams.w10?.cursor).toBe('20'), {
      timeout: 20_000,
    })
    const batches = ofType('patchwire/applyPatch') as ReturnType<typeof applyPatch>[]
    expect(batches.length).toBeGreaterThan(0)
    expect(batches.every((a) => isVouched(a.payload.changes))).toBe(true)
    expect(store.getState().feed.items).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
  })

  it('refuses a chunk whose value holds a forbidden key in the sink, with the reason in-thread reading gives', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write(`id: 1\ndata: ${JSON.stringify(append(1))}\n\n`)
      const hostile =
        '{"type":"patch","ops":[{"op":"add","path":["feed","prices","x"],"value":{"__proto__":{"polluted":true}}}]}'
      res.write(`id: 2\ndata: ${hostile}\n\n`)
      res.write(`id: 3\ndata: ${JSON.stringify(append(3))}\n\n`)
    })
    cleanups.push(server.close)
    const { store, ofType } = workerStore('w9', server.url)
    await vi.waitFor(() => expect(store.getState().patchwire.streams.w9?.cursor).toBe('3'), {
      timeout: 20_000,
    })
    expect(store.getState().feed).toEqual({ items: [1, 3], prices: {} })
    const rejected = ofType(patchRejected.type) as ReturnType<typeof patchRejected>[]
    expect(rejected.map((r) => [r.payload.change.id, r.payload.reason, r.payload.stage])).toEqual([
      ['2', 'forbidden_path', 'sink'],
    ])
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined()
  })

  it('builds a replace chunk against the live state, overwriting an array index', async () => {
    const server = await feedServer()
    server.feed.append(append(1))
    server.feed.append(append(2))
    server.feed.append({ type: 'replace', path: '/feed/items/0', value: 10 })
    server.feed.append({ type: 'replace', path: '/feed/prices/a', value: 3 })
    const { store, workers } = workerStore('w3', server.url)
    await vi.waitFor(() => expect(store.getState().patchwire.streams.w3?.cursor).toBe('4'), {
      timeout: 20_000,
    })
    expect(store.getState().feed).toEqual({ items: [10, 2], prices: { a: 3 } })
    expect(workers.created()).toBe(1)
  })

  it('hands chunks of other shapes to map on the main thread', async () => {
    const server = await feedServer()
    server.feed.append({ price: 7 })
    server.feed.append(append(1))
    const { store, workers } = workerStore('w4', server.url, {
      map: (chunk: unknown) => ({
        ops: [{ op: 'add', path: '/feed/prices/x', value: (chunk as { price: number }).price }],
      }),
    })
    await vi.waitFor(() => expect(store.getState().patchwire.streams.w4?.cursor).toBe('2'), {
      timeout: 20_000,
    })
    expect(store.getState().feed).toEqual({ items: [1], prices: { x: 7 } })
    expect(workers.created()).toBe(1)
  })

  it('runs the map given to serveStreamWorker in the worker, with no map on the main thread', async () => {
    const server = await feedServer()
    server.feed.append({ symbol: 'abc', last: 7, book: [1, 2, 3] })
    server.feed.append(append(1))
    server.feed.append({ symbol: 'xyz', last: 9, book: [] })
    const workers = nodeStreamWorkers(undefined, { mapPrices: true })
    const { store, ofType } = workerStore('w8', server.url, {}, workers)
    await vi.waitFor(() => expect(store.getState().patchwire.streams.w8?.cursor).toBe('3'), {
      timeout: 20_000,
    })
    expect(store.getState().feed).toEqual({ items: [1], prices: { abc: 7, xyz: 9 } })
    expect(ofType(patchRejected.type)).toEqual([])
  })

  it('reconnects from the cursor after a dropped connection, applying no chunk twice', async () => {
    const feed = createChangeFeed()
    for (let i = 1; i <= 10; i++) feed.append(append(i))
    let request = 0
    const server = await startServer((req, res) => {
      if (request++ === 0) {
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        const body = feed
          .since(null)
          .slice(0, 4)
          .map((e) => `id: ${e.id}\ndata: ${JSON.stringify(e.data)}\n\n`)
          .join('')
        res.write(body, () => res.socket?.destroy())
        return
      }
      void serveChangeStream(req, res, { subscribe: feed.subscribe })
    })
    cleanups.push(server.close)
    const { store, workers } = workerStore('w5', server.url)
    await vi.waitFor(() => expect(store.getState().feed.items).toHaveLength(10), {
      timeout: 20_000,
    })
    expect(store.getState().feed.items).toEqual(Array.from({ length: 10 }, (_, i) => i + 1))
    expect(server.requests.map(lastEventId)).toEqual([null, '4'])
    expect(workers.created()).toBe(1)
  })

  it('stop aborts the worker fetch and terminates the worker thread', async () => {
    const server = await feedServer()
    server.feed.append(append(1))
    const { store, workers } = workerStore('w6', server.url)
    await vi.waitFor(() => expect(store.getState().feed.items).toEqual([1]), { timeout: 20_000 })
    expect(server.open()).toBe(1)
    expect(workers.running()).toBe(1)
    store.dispatch(streamStop({ id: 'w6' }))
    expect(store.getState().patchwire.streams.w6?.state).toBe('stopped')
    await vi.waitFor(() => expect(server.open()).toBe(0), { timeout: 20_000 })
    await vi.waitFor(() => expect(workers.running()).toBe(0), { timeout: 20_000 })
    server.feed.append(append(2))
    expect(store.getState().feed.items).toEqual([1])
  })
})

describe('a failing stream worker', () => {
  it('fails the connection, is reported, and is created afresh for the retry', async () => {
    const server = await feedServer()
    const workers = nodeStreamWorkers("throw new Error('no worker here')")
    const reported: string[] = []
    const { store } = createTestStore({
      id: 'w7',
      url: server.url,
      worker: workers.create,
      backoff: { baseMs: 1, capMs: 5 },
      onError: (e) => reported.push(e.message),
    })
    cleanups.push(() => vi.waitFor(() => expect(workers.running()).toBe(0), { timeout: 20_000 }))
    cleanups.push(() => store.dispatch(streamStop({ id: 'w7' })))
    await vi.waitFor(() => expect(workers.created()).toBeGreaterThanOrEqual(2), {
      timeout: 20_000,
    })
    expect(reported[0]).toBe('The stream worker failed: no worker here.')
    expect(store.getState().patchwire.streams.w7?.lastError).toBe(
      'The stream worker failed: no worker here.',
    )
    expect(server.requests).toHaveLength(0)
  })
})

describe('stream worker option', () => {
  it('throws at setup when worker is not a function', () => {
    expect(() => stream({ id: 'x', url: 'http://127.0.0.1/', worker: true as never })).toThrow(
      /stream: worker must be a function/,
    )
  })

  it('throws at setup when worker is given without url', () => {
    expect(() => stream({ id: 'x', source: [], worker: () => ({}) as never })).toThrow(
      /stream: worker must be used with url/,
    )
  })

  it('throws at setup when worker is given with a fetch of its own', () => {
    expect(() =>
      stream({ id: 'x', url: 'http://127.0.0.1/', fetch, worker: () => ({}) as never }),
    ).toThrow(/stream: fetch must be left out with worker/)
  })
})
