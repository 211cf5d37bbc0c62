import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestPage, launchChromium, watchErrors } from './harness'
import { type StreamPageServer, startStreamPageServer } from './streamWorkerServer'

const APP = fileURLToPath(new URL('./streamWorkerApp', import.meta.url))
const DIST = fileURLToPath(new URL('../../test-output/stream-worker-app', import.meta.url))

let browser: Browser
let server: StreamPageServer

beforeAll(async () => {
  await buildTestPage(APP, DIST)
  server = await startStreamPageServer(DIST)
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

interface PageState {
  items: number[]
  prices: Record<string, unknown>
  status?: { state: string; cursor: string | null; chunksApplied: number; lastError: string | null }
  counters: { parseErrors: number; rejected: number }
}

interface PageApp {
  workersCreated: number
  applyPatches: number
  animationFrames: number
  mainThreadFetches: number
  rejected: { id: string | undefined; reason: string }[]
  state(): PageState
  start(): void
  stop(): void
}

const app = <T>(page: Page, read: (a: PageApp) => T): Promise<T> =>
  page.evaluate(`(${read.toString()})(window.app)`) as Promise<T>

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error('condition not met in 30 s')
}

const append = (n: number) => ({
  type: 'patch' as const,
  ops: [{ op: 'add' as const, path: '/feed/items/-', value: n }],
})

async function openPage(query: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage()
  const errors = watchErrors(page)
  await page.goto(`${server.url}/?${query}`)
  return { page, errors }
}

describe('stream in a Web Worker, in Chromium', () => {
  it('applies the chunks of a real SSE endpoint in order, read by the worker and not the page', async () => {
    const feed = server.feed('order')
    for (let i = 1; i <= 200; i++) feed.append(append(i))
    const { page, errors } = await openPage('mode=worker&feed=/feed/order')
    const workers: string[] = []
    page.on('worker', (w) => workers.push(w.url()))
    try {
      await until(async () => (await app(page, (a) => a.state().items.length)) === 200)
      for (let i = 201; i <= 250; i++) feed.append(append(i))
      await until(async () => (await app(page, (a) => a.state().items.length)) === 250)
      const state = await app(page, (a) => a.state())
      expect(state.items).toEqual(Array.from({ length: 250 }, (_, i) => i + 1))
      expect(state.status).toMatchObject({ state: 'live', cursor: '250', chunksApplied: 250 })
      expect(await app(page, (a) => a.workersCreated)).toBe(1)
      expect(await app(page, (a) => a.mainThreadFetches)).toBe(0)
      expect(errors).toEqual([])
    } finally {
      await page.close()
    }
  })

  it('rejects and counts an invalid chunk and applies the ones around it (NDJSON)', async () => {
    server.raw('broken', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' })
      res.write(`${JSON.stringify({ ...append(1), id: 1 })}\n`)
      res.write('{"id": 2, oops\n')
      res.write(`${JSON.stringify({ type: 'patch', ops: 'none', id: 3 })}\n`)
      res.write(`${JSON.stringify({ ...append(4), id: 4 })}\n`)
    })
    const { page } = await openPage('mode=worker&feed=/raw/broken')
    try {
      await until(async () => (await app(page, (a) => a.state().status?.cursor)) === '4')
      const state = await app(page, (a) => a.state())
      expect(state.items).toEqual([1, 4])
      expect(state.counters).toMatchObject({ parseErrors: 2, rejected: 2 })
      expect(await app(page, (a) => a.rejected)).toEqual([
        { id: undefined, reason: 'parse' },
        { id: '3', reason: 'bad_request' },
      ])
    } finally {
      await page.close()
    }
  })

  it('ends with the same state, status and cursor as the same stream read in the page', async () => {
    const feed = server.feed('same')
    for (let i = 1; i <= 100; i++) feed.append(append(i))
    feed.append({ type: 'replace', path: '/feed/items/0', value: 0 })
    feed.append({ type: 'replace', path: '/feed/prices/a', value: { bid: 1 } })
    const results: PageState[] = []
    for (const mode of ['thread', 'worker']) {
      const { page } = await openPage(`mode=${mode}&feed=/feed/same`)
      try {
        await until(async () => (await app(page, (a) => a.state().status?.cursor)) === '102')
        results.push(await app(page, (a) => a.state()))
      } finally {
        await page.close()
      }
    }
    expect(results[1]).toEqual(results[0])
    expect(results[1]?.items[0]).toBe(0)
    expect(results[1]?.status).toMatchObject({ state: 'live', cursor: '102', chunksApplied: 102 })
  })

  it("runs the app's map in its own worker module, so only the kept field reaches the page", async () => {
    const feed = server.feed('quotes')
    feed.append({ symbol: 'abc', last: 7, book: [{ price: 1, size: 2 }] })
    feed.append({ symbol: 'xyz', last: 9, book: [] })
    const { page, errors } = await openPage('mode=worker&map=quotes&feed=/feed/quotes')
    try {
      await until(async () => (await app(page, (a) => a.state().status?.cursor)) === '2')
      expect(await app(page, (a) => a.state().prices)).toEqual({ abc: 7, xyz: 9 })
      expect(await app(page, (a) => a.mainThreadFetches)).toBe(0)
      expect(errors).toEqual([])
    } finally {
      await page.close()
    }
  })

  it('asks the page for no animation frame while the worker delivers batches', async () => {
    const feed = server.feed('frames')
    for (let i = 1; i <= 300; i++) feed.append(append(i))
    const { page, errors } = await openPage('mode=worker&feed=/feed/frames')
    try {
      await until(async () => (await app(page, (a) => a.state().status?.cursor)) === '300')
      expect(await app(page, (a) => a.state().items)).toHaveLength(300)
      expect(await app(page, (a) => a.applyPatches)).toBeGreaterThan(0)
      expect(await app(page, (a) => a.animationFrames)).toBe(0)
      expect(errors).toEqual([])
    } finally {
      await page.close()
    }
  })

  it('resumes from the last applied cursor when started again after a stop', async () => {
    const feed = server.feed('resume')
    for (let i = 1; i <= 5; i++) feed.append(append(i))
    const { page } = await openPage('mode=worker&feed=/feed/resume')
    try {
      await until(async () => (await app(page, (a) => a.state().items.length)) === 5)
      await app(page, (a) => a.stop())
      await until(async () => server.open('resume') === 0)
      for (let i = 6; i <= 8; i++) feed.append(append(i))
      await app(page, (a) => a.start())
      await until(async () => (await app(page, (a) => a.state().items.length)) === 8)
      expect(await app(page, (a) => a.state().items)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
      expect(server.requests('resume').map((r) => r.headers['last-event-id'] ?? null)).toEqual([
        null,
        '5',
      ])
      expect(await app(page, (a) => a.workersCreated)).toBe(2)
    } finally {
      await page.close()
    }
  })

  it('stop terminates the worker and its fetch: the server sees the request close', async () => {
    const feed = server.feed('stop')
    feed.append(append(1))
    const { page } = await openPage('mode=worker&feed=/feed/stop')
    try {
      const closed = new Promise<void>((resolve) => {
        page.on('worker', (w) => w.on('close', () => resolve()))
      })
      await until(async () => (await app(page, (a) => a.state().items.length)) === 1)
      expect(server.open('stop')).toBe(1)
      await app(page, (a) => a.stop())
      await closed
      await until(async () => server.open('stop') === 0)
      feed.append(append(2))
      expect(await app(page, (a) => a.state().status?.state)).toBe('stopped')
      expect(await app(page, (a) => a.state().items)).toEqual([1])
    } finally {
      await page.close()
    }
  })
})
