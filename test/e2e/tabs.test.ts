import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRelay } from '../../server/createRelay'
import type { Relay } from '../../server/relay/types'
import { buildTestPage, launchChromium } from './harness'

const APP = fileURLToPath(new URL('./tabsApp', import.meta.url))
const DIST = fileURLToPath(new URL('../../test-output/tabs-app', import.meta.url))
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript' }

let browser: Browser
let relay: Relay
let http: Server
let url: string

beforeAll(async () => {
  await buildTestPage(APP, DIST)
  // The page and the relay on one origin, as `sync({ url: location.origin })` expects.
  http = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    if (path.startsWith('/socket.io/')) return
    const file = join(DIST, path === '/' ? 'index.html' : path)
    try {
      const body = await readFile(file)
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' })
      res.end(body)
    } catch {
      res.writeHead(404).end()
    }
  })
  relay = createRelay({ httpServer: http })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const address = http.address()
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await relay?.close()
  await new Promise((resolve) => http?.close(resolve))
})

interface TabState {
  items: string[]
  sync?: { connection: string; pending: number }
}

const state = (page: Page) =>
  page.evaluate(() => (window as unknown as { tab: { state(): TabState } }).tab.state())
const isLeader = (page: Page) =>
  page.evaluate(() => (window as unknown as { tab: { leader: boolean } }).tab.leader)
const add = (page: Page, text: string) =>
  page.evaluate((t) => (window as unknown as { tab: { add(t: string): void } }).tab.add(t), text)

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error('condition not met in 30 s')
}

/** Relay sockets that joined `room` (other tests' closing sockets are not counted). */
const socketsIn = async (room: string) => (await relay.io.in(room).fetchSockets()).length

const settled = async (page: Page) => {
  const s = await state(page)
  return s.sync?.connection === 'live' && s.sync.pending === 0
}

async function openTabs(context: BrowserContext, room: string, count: number): Promise<Page[]> {
  const pages: Page[] = []
  for (let i = 0; i < count; i++) {
    const page = await context.newPage()
    await page.goto(`${url}/?room=${room}`)
    pages.push(page)
  }
  for (const page of pages) await until(() => settled(page))
  return pages
}

describe('one connection per browser, in Chromium', () => {
  it('three real tabs of one browser share one relay socket, elected with Web Locks', async () => {
    const context = await browser.newContext()
    try {
      const pages = await openTabs(context, 'e1', 3)
      expect(await pages[0]?.evaluate(() => 'locks' in navigator)).toBe(true)
      const leaders = await Promise.all(pages.map(isLeader))
      expect(leaders.filter(Boolean)).toHaveLength(1)
      expect(await socketsIn('e1')).toBe(1)
      for (const [i, page] of pages.entries()) await add(page, `tab${i}`)
      for (const page of pages) {
        await until(async () => (await state(page)).items.length === 3 && (await settled(page)))
      }
      const lists = await Promise.all(pages.map(async (p) => (await state(p)).items))
      expect(new Set(lists.map((l) => JSON.stringify(l))).size).toBe(1)
    } finally {
      await context.close()
    }
  })

  it('closing the leader tab hands the connection to another tab without losing a change', async () => {
    const context = await browser.newContext()
    try {
      const pages = await openTabs(context, 'e2', 3)
      const flags = await Promise.all(pages.map(isLeader))
      const leader = pages[flags.indexOf(true)] as Page
      const followers = pages.filter((p) => p !== leader)
      for (const [i, page] of followers.entries()) await add(page, `before-${i}`)
      await leader.close({ runBeforeUnload: true })
      for (const [i, page] of followers.entries()) await add(page, `after-${i}`)
      await until(async () => (await Promise.all(followers.map(isLeader))).some(Boolean))
      for (const page of followers) {
        await until(async () => (await state(page)).items.length === 4 && (await settled(page)))
      }
      const items = (await state(followers[0] as Page)).items
      expect([...items].sort()).toEqual(['after-0', 'after-1', 'before-0', 'before-1'])
      // The closed tab's socket goes once the relay notices the closed transport.
      await until(async () => (await socketsIn('e2')) === 1)
    } finally {
      await context.close()
    }
  })
})
