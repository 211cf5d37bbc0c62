import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest'
import {
  ensureExamplesBuilt,
  launchChromium,
  type RestartableServer,
  startExampleServer,
  watchErrors,
} from './harness'

/** What a test file of the examples gets from {@link exampleBrowser}. */
export interface ExampleBrowser {
  /** Chromium, launched once for the file. */
  readonly browser: Browser
  /** The examples' server with its relay (fresh per test with `serverPerTest`). */
  readonly server: RestartableServer
  /**
   * A browser profile of its own (one device, with its own storage and tabs),
   * closed after the test. Its waits fail within 30 s, with Playwright's message.
   */
  device(viewport?: { width: number; height: number }): Promise<BrowserContext>
  /**
   * A new tab in `context` (a new device when omitted), not navigated yet,
   * with its page errors collected: returned, and with `checkErrors`, also
   * expected to be none after the test.
   */
  newPage(options?: {
    context?: BrowserContext
    viewport?: { width: number; height: number }
  }): Promise<{ page: Page; errors: string[] }>
  /** {@link ExampleBrowser.newPage}, then at `path` of the server. */
  open(
    path: string,
    options?: { context?: BrowserContext; viewport?: { width: number; height: number } },
  ): Promise<{ page: Page; errors: string[] }>
}

/**
 * Registers the hooks every examples test file needs (build the examples,
 * launch Chromium, start the server, close what a test opened) and returns
 * accessors for them.
 */
export function exampleBrowser(
  options: { serverPerTest?: boolean; checkErrors?: boolean; timeoutMs?: number } = {},
): ExampleBrowser {
  const { serverPerTest = false, checkErrors = false, timeoutMs = 120_000 } = options
  let dist: string
  let browser: Browser | undefined
  let server: RestartableServer | undefined
  const contexts: BrowserContext[] = []
  // Each page's own error list, read after the test: errors keep arriving while it runs.
  const pageErrors: string[][] = []

  beforeAll(async () => {
    dist = await ensureExamplesBuilt()
    browser = await launchChromium()
    if (!serverPerTest) server = await startExampleServer(dist)
  }, timeoutMs)
  if (serverPerTest) {
    beforeEach(async () => {
      server = await startExampleServer(dist)
    })
  }
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()))
    if (serverPerTest) await server?.close()
    const seen = pageErrors.splice(0).flat()
    if (checkErrors) expect(seen).toEqual([])
  })
  afterAll(async () => {
    await browser?.close()
    if (!serverPerTest) await server?.close()
  })

  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not started yet (use it inside a test)`)
    return value
  }
  const device = async (viewport = { width: 1200, height: 800 }) => {
    const context = await need(browser, 'Chromium').newContext({ viewport })
    context.setDefaultTimeout(30_000)
    contexts.push(context)
    return context
  }
  const newPage: ExampleBrowser['newPage'] = async ({ context, viewport } = {}) => {
    const page = await (context ?? (await device(viewport))).newPage()
    const errors = watchErrors(page)
    pageErrors.push(errors)
    return { page, errors }
  }
  return {
    get browser() {
      return need(browser, 'Chromium')
    },
    get server() {
      return need(server, 'The example server')
    },
    device,
    newPage,
    async open(path, options) {
      const opened = await newPage(options)
      await opened.page.goto(`${need(server, 'The example server').url}${path}`)
      return opened
    },
  }
}
