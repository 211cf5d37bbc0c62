import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { waitForTestId } from './cartPage'
import {
  ensureExamplesBuilt,
  launchChromium,
  type RestartableServer,
  startExampleServer,
  watchErrors,
} from './harness'

let dist: string
let browser: Browser
// A fresh relay for every test: the cart's room and the socket count start empty.
let server: RestartableServer
const contexts: BrowserContext[] = []
const errors: string[] = []

beforeAll(async () => {
  dist = await ensureExamplesBuilt()
  browser = await launchChromium()
}, 120_000)

beforeEach(async () => {
  server = await startExampleServer(dist)
})

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()))
  await server.close()
  expect(errors.splice(0)).toEqual([])
})

afterAll(async () => {
  await browser?.close()
})

/** A browser profile of its own: one device, with its own storage and tabs. */
async function device(): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } })
  context.setDefaultTimeout(30_000)
  contexts.push(context)
  return context
}

/** Opens the cart in a new tab of `context` and waits for it to be live. */
async function openCart(context: BrowserContext): Promise<Page> {
  const page = await context.newPage()
  errors.push(...watchErrors(page))
  await page.goto(`${server.url}/cart/`)
  await waitForTestId(page, 'persist', 'ready')
  await waitForTestId(page, 'connection', 'live')
  return page
}

const health = async (): Promise<{ sockets: number }> =>
  (await fetch(`${server.url}/healthz`)).json() as Promise<{ sockets: number }>

describe('the cart in several tabs of one browser, in Chromium', { timeout: 120_000 }, () => {
  it('three tabs of the cart hold one relay socket, and the status line counts it', async () => {
    const browserProfile = await device()
    const tabs: Page[] = []
    for (let i = 0; i < 3; i++) tabs.push(await openCart(browserProfile))
    // Every tab is live, so each has joined the room: through its own socket, or the shared one.
    expect((await health()).sockets).toBe(1)
    for (const tab of tabs) await waitForTestId(tab, 'relay-sockets', '1')
  })
})
