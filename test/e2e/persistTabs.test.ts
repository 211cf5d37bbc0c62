import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createExampleServer, type ExampleServer } from '../../examples/server/index'
import { buildTestPage, launchChromium } from './harness'

const APP = fileURLToPath(new URL('./persistApp', import.meta.url))
const DIST = fileURLToPath(new URL('../../test-output/persist-app', import.meta.url))

let browser: Browser
let server: ExampleServer
let url: string

beforeAll(async () => {
  await buildTestPage(APP, DIST)
  // The example server serves any built folder; the page needs no relay.
  server = createExampleServer({ staticDir: DIST })
  url = `http://127.0.0.1:${await server.listen(0)}/`
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

interface AppState {
  todos: string[]
  theme: string
}

interface PersistApp {
  addTodo(text: string): void
  setTheme(theme: string): void
  flush(): Promise<void>
  hydrated(): boolean
  state(): AppState
}

/** Calls `window.app[method](arg)` in the page. */
const call = <M extends keyof PersistApp>(page: Page, method: M, arg?: string) =>
  page.evaluate(
    ([m, a]) => {
      const target = (window as unknown as { app: Record<string, (x?: string) => unknown> }).app
      return target[m as string]?.(a)
    },
    [method, arg] as const,
  ) as Promise<Awaited<ReturnType<PersistApp[M]>>>

async function openTab(page: Page): Promise<void> {
  await page.goto(url)
  await page.waitForFunction(() => (window as unknown as { app?: PersistApp }).app?.hydrated())
}

describe('persisted keys across tabs of one browser, in Chromium', { timeout: 90_000 }, () => {
  it('a key one tab wrote and a key another tab wrote are both restored on reload', async () => {
    const context = await browser.newContext()
    try {
      const tabA = await context.newPage()
      const tabB = await context.newPage()
      // Both tabs start from the same empty storage, as tabs opened together do.
      await openTab(tabA)
      await openTab(tabB)
      await call(tabA, 'addTodo', 'milk')
      await call(tabA, 'flush')
      await call(tabB, 'setTheme', 'dark')
      await call(tabB, 'flush')
      await openTab(tabA)
      expect(await call(tabA, 'state')).toEqual({ todos: ['milk'], theme: 'dark' })
    } finally {
      await context.close()
    }
  })
})
