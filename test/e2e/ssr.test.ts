import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Message } from '../../examples/shared/schemas'
import { SSR_ROOM } from '../../examples/ssr/handoff'
import type { ReadAnswer } from '../../server/relay/types'
import {
  ensureExamplesBuilt,
  launchChromium,
  type RestartableServer,
  startExampleServer,
} from './harness'

let browser: Browser
let server: RestartableServer
const contexts: BrowserContext[] = []
const cleanups: (() => unknown)[] = []

beforeAll(async () => {
  const dist = await ensureExamplesBuilt()
  browser = await launchChromium()
  server = await startExampleServer(dist)
  // The room the page renders: two messages, one of them trying to end the inline script.
  await server.current().relay.write(
    SSR_ROOM,
    [
      {
        op: 'add',
        path: ['chat'],
        value: { messages: [message('m1', 'hello'), message('m2', '</script><b>x</b>')] },
      },
    ],
    { origin: 'test' },
  )
}, 120_000)

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
  await Promise.all(contexts.splice(0).map((c) => c.close()))
})

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

function message(id: string, text: string): Message {
  return { id, author: 'node', text, at: 1_700_000_000_000 }
}

const addMessage = (m: Message) =>
  server
    .current()
    .relay.write(SSR_ROOM, [{ op: 'add', path: ['chat', 'messages', '-'], value: m }], {
      origin: 'test',
    })

async function roomIds(): Promise<string[]> {
  const { state } = await server.current().relay.read(SSR_ROOM)
  return (state.chat as { messages: Message[] }).messages.map((m) => m.id)
}

const shownIds = (page: Page) =>
  page.getByTestId('message').evaluateAll((els) => els.map((el) => el.getAttribute('data-id')))

async function newPage(options: { javaScriptEnabled?: boolean } = {}) {
  const context = await browser.newContext(options)
  contexts.push(context)
  context.setDefaultTimeout(30_000)
  const page = await context.newPage()
  // React reports a hydration mismatch as an error (console in development, reportError in production).
  const problems: string[] = []
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning')
      problems.push(`${msg.type()}: ${msg.text()}`)
  })
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`))
  return { page, problems }
}

/** What the relay answered each join of the page's room with, from now on. */
function servedJoins(): ReadAnswer[] {
  const answers: ReadAnswer[] = []
  cleanups.push(
    server.current().relay.observe({
      served: (room, request, answer) => {
        if (room === SSR_ROOM && request === 'join') answers.push(answer)
      },
    }),
  )
  return answers
}

describe('the server-rendered example', () => {
  it('the HTML from a plain fetch carries the messages and the embedded state, with no early </script>', async () => {
    const html = await (await fetch(`${server.url}/ssr/`)).text()
    const root = html.slice(html.indexOf('<div id="root">'))

    expect(root).toContain('data-id="m1"')
    expect(root).toContain('hello')
    expect(html).toContain('window.__PATCHWIRE_SSR__=')
    // The message's "</script>" is escaped in both the markup and the JSON: every script ends once.
    expect(html.split('</script>').length).toBe(html.split('<script').length)
    expect(html).toContain('\\u003c/script>')
  })

  it('with JavaScript disabled the page still shows the rendered messages', async () => {
    const { page } = await newPage({ javaScriptEnabled: false })
    await page.goto(`${server.url}/ssr/`)

    expect(await shownIds(page)).toEqual(await roomIds())
    await expect(page.getByTestId('message').first().innerText()).resolves.toContain('hello')
    expect(await page.getByTestId('status').innerText()).toBe('rendered on the server')
  })

  it('hydrates without a mismatch, joins without a snapshot, and after a burst during hydration shows the relay’s state', async () => {
    const answers = servedJoins()
    const { page, problems } = await newPage()
    const metricsRequests: (string | undefined)[] = []
    page.on('request', (req) => {
      if (req.url().includes('/examples/metrics'))
        metricsRequests.push(req.headers()['last-event-id'])
    })
    // Hold the bundle until the burst is in: the writes fall between the render and the hydration.
    let release: () => void = () => {}
    const burstDone = new Promise<void>((resolve) => {
      release = resolve
    })
    await page.route('**/assets/**', async (route) => {
      await burstDone
      await route.continue()
    })
    const rendered = page.waitForResponse((res) => res.url() === `${server.url}/ssr/`)
    const loading = page.goto(`${server.url}/ssr/`)
    const renderedHtml = await (await rendered).text()
    const burst = Array.from({ length: 12 }, (_, i) => message(`burst${i}`, `burst ${i}`))
    for (const m of burst) await addMessage(m)
    release()
    await loading

    await page.getByTestId('connection').filter({ hasText: 'live' }).waitFor()
    const expected = await roomIds()
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid="message"]').length >= n,
      expected.length,
    )

    expect(renderedHtml).not.toContain('burst0')
    expect(await shownIds(page)).toEqual(expected)
    expect(answers).toEqual(['changes'])
    const cursor = await page.evaluate(
      () =>
        (window as unknown as { __PATCHWIRE_SSR__: { cursor: string } }).__PATCHWIRE_SSR__.cursor,
    )
    expect(metricsRequests[0]).toBe(cursor)
    expect(problems).toEqual([])
  })

  it('after hydration a write through the relay reaches the page once', async () => {
    const { page, problems } = await newPage()
    await page.goto(`${server.url}/ssr/`)
    await page.getByTestId('connection').filter({ hasText: 'live' }).waitFor()

    await addMessage(message('late', 'after hydration'))
    await page.locator('[data-id="late"]').waitFor()

    expect(await shownIds(page)).toEqual(await roomIds())
    expect(problems).toEqual([])
  })
})
