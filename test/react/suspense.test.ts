import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createExampleServer, type ExampleServer } from '../../examples/server/index'
import type { RelayOptions } from '../../server/relay/types'
import { buildTestPage, launchChromium, watchErrors } from '../e2e/harness'
import { live, startRelay, todos } from '../sync/helpers'

const APP = fileURLToPath(new URL('./suspenseApp', import.meta.url))
const DIST = fileURLToPath(new URL('../../test-output/suspense-app', import.meta.url))

let browser: Browser
let pages: ExampleServer
let pagesUrl: string
let relay: Awaited<ReturnType<typeof startRelay>> | undefined
const contexts: BrowserContext[] = []

beforeAll(async () => {
  await buildTestPage(APP, DIST)
  // The example server serves any built folder; the page talks to its own relay below.
  pages = createExampleServer({ staticDir: DIST })
  pagesUrl = `http://127.0.0.1:${await pages.listen(0)}/`
  browser = await launchChromium()
}, 120_000)

/** A relay on its own port that lets the test pages' origin in, as a dev relay must. */
const relayForPages = (options: RelayOptions = {}) =>
  startRelay({ cors: { origin: new URL(pagesUrl).origin }, ...options })

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()))
  await relay?.stop()
  relay = undefined
})

afterAll(async () => {
  await browser?.close()
  await pages?.close()
})

interface SuspenseTest {
  releaseLoad(): void
  failLoad(message: string): void
  tick(times: number): void
  renders(gate: 'hydrated' | 'room'): number
  thrown(gate: 'hydrated' | 'room'): number
  frames(): Promise<void>
}

/** Calls `window.suspenseTest[method](...args)` in the page. */
function call<M extends keyof SuspenseTest>(
  page: Page,
  method: M,
  ...args: Parameters<SuspenseTest[M]>
): Promise<Awaited<ReturnType<SuspenseTest[M]>>> {
  return page.evaluate(
    ([m, a]) => {
      const api = (
        window as unknown as { suspenseTest: Record<string, (...x: unknown[]) => unknown> }
      ).suspenseTest
      return api[m as string]?.(...(a as unknown[]))
    },
    [method, args] as const,
  ) as Promise<Awaited<ReturnType<SuspenseTest[M]>>>
}

/** Opens the page against `relayUrl`, its persisted load held until the test releases or fails it. */
async function open(room: string, relayUrl: string, schema = '1.0') {
  const context = await browser.newContext()
  contexts.push(context)
  context.setDefaultTimeout(60_000)
  const page = await context.newPage()
  const errors = watchErrors(page)
  const query = new URLSearchParams({ room, relay: relayUrl, schema })
  await page.goto(`${pagesUrl}?${query}`)
  await page.waitForFunction(() => 'suspenseTest' in window)
  return { page, errors }
}

const shown = (page: Page, testId: string) =>
  page.getByTestId(testId).waitFor({ state: 'attached' })
const count = (page: Page, testId: string) => page.getByTestId(testId).count()
const textOf = (page: Page, testId: string) => page.getByTestId(testId).innerText()

describe('Suspense until persist hydrated and a room joined, in Chromium', {
  timeout: 120_000,
}, () => {
  it('useHydratedSuspense shows the fallback while persist loads, then the restored state', async () => {
    relay = await relayForPages()
    const { page, errors } = await open('notes-room', relay.url)
    await shown(page, 'hydrated-fallback')
    expect(await count(page, 'hydrated-content')).toBe(0)
    await call(page, 'releaseLoad')
    await shown(page, 'hydrated-content')
    expect(await textOf(page, 'hydrated-content')).toBe('restored')
    expect(await count(page, 'hydrated-fallback')).toBe(0)
    expect(errors).toEqual([])
  })

  it('useRoomSuspense shows the fallback until the room has joined, then the room’s data', async () => {
    relay = await relayForPages()
    const writer = relay.client({ room: 'joined-room', clientId: 'writer' })
    await live(writer.store, 'joined-room')
    writer.store.dispatch(todos.actions.added('from the relay'))
    const head = () => relay?.roomHead('joined-room') ?? 0
    await expect.poll(head, { timeout: 30_000 }).toBeGreaterThan(0)
    const { page, errors } = await open('joined-room', relay.url)
    // sync joins only after persist loaded: the held load holds the join too.
    await shown(page, 'room-fallback')
    expect(await count(page, 'room-content')).toBe(0)
    await call(page, 'releaseLoad')
    await shown(page, 'room-content')
    expect(await textOf(page, 'room-content')).toBe('from the relay')
    expect(errors).toEqual([])
  })

  it('a join the relay refuses for another schema major reaches the error boundary as join_refused, reason skew', async () => {
    relay = await relayForPages({ schemaVersion: '1.0' })
    const { page, errors } = await open('skewed-room', relay.url, '2.0')
    await call(page, 'releaseLoad')
    await shown(page, 'room-error')
    expect(await textOf(page, 'room-error')).toBe(
      'PatchwireError join_refused {"room":"skewed-room","reason":"skew"}',
    )
    expect(await count(page, 'room-fallback')).toBe(0)
    // The persisted side is unaffected by the refused join.
    expect(await textOf(page, 'hydrated-content')).toBe('restored')
    expect(errors).toEqual([])
  })

  it('a join the relay forbids reaches the error boundary as join_refused, reason forbidden', async () => {
    relay = await relayForPages({ authorize: () => false })
    const { page } = await open('closed-room', relay.url)
    await call(page, 'releaseLoad')
    await shown(page, 'room-error')
    expect(await textOf(page, 'room-error')).toBe(
      'PatchwireError join_refused {"room":"closed-room","reason":"forbidden"}',
    )
  })

  it('a persisted load that fails reaches the error boundary with the load’s PatchwireError', async () => {
    relay = await relayForPages()
    const { page, errors } = await open('failing-room', relay.url)
    await shown(page, 'hydrated-fallback')
    await call(page, 'failLoad', 'disk on fire')
    await shown(page, 'hydrated-error')
    expect(await textOf(page, 'hydrated-error')).toBe(
      'PatchwireError storage {"key":"patchwire:suspense:v1","operation":"read"}',
    )
    expect(await count(page, 'hydrated-fallback')).toBe(0)
    expect(errors).toEqual([])
  })

  it('while suspended, store updates neither re-render the component nor make a new promise', async () => {
    relay = await relayForPages()
    const { page } = await open('quiet-room', relay.url)
    await shown(page, 'hydrated-fallback')
    await shown(page, 'room-fallback')
    await call(page, 'frames')
    const before = {
      hydrated: await call(page, 'renders', 'hydrated'),
      room: await call(page, 'renders', 'room'),
    }
    await call(page, 'tick', 50)
    await call(page, 'frames')
    expect(await call(page, 'renders', 'hydrated')).toBe(before.hydrated)
    expect(await call(page, 'renders', 'room')).toBe(before.room)
    // Every render while waiting threw the one promise cached for the store and gate.
    expect(await call(page, 'thrown', 'hydrated')).toBe(1)
    expect(await call(page, 'thrown', 'room')).toBe(1)
  })

  it('once the content is shown, it renders no more without a change it reads', async () => {
    relay = await relayForPages()
    const { page } = await open('settled-room', relay.url)
    await call(page, 'releaseLoad')
    await shown(page, 'hydrated-content')
    await shown(page, 'room-content')
    await call(page, 'frames')
    const settled = {
      hydrated: await call(page, 'renders', 'hydrated'),
      room: await call(page, 'renders', 'room'),
    }
    // Status updates and unrelated changes keep coming; a resolved promise thrown again would loop.
    await call(page, 'tick', 50)
    await call(page, 'frames')
    await call(page, 'frames')
    expect(await call(page, 'renders', 'hydrated')).toBe(settled.hydrated)
    expect(await call(page, 'renders', 'room')).toBe(settled.room)
    expect(await call(page, 'thrown', 'hydrated')).toBe(1)
    expect(await call(page, 'thrown', 'room')).toBe(1)
  })
})
