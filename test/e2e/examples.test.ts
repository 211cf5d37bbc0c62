import type { Locator, Page, WebSocketRoute } from 'playwright-core'
import { io } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import { routeHitsAt } from '../../examples/server/index'
import { ROUTES } from '../../examples/shared/schemas'
import type { JoinAck } from '../../src/protocol'
import { pageNow, setCartOffline, waitForSavedAfter, waitForTestId } from './cartPage'
import { exampleBrowser } from './exampleBrowser'
import { EXAMPLE_TICK_MS, screenshot } from './harness'

const examples = exampleBrowser()
const open = (path: string, viewport = { width: 1200, height: 800 }) =>
  examples.open(path, { viewport })

const text = (page: Page, testId: string) => page.getByTestId(testId).first().innerText()

// Chat messages only: the debugger's traffic rows show the same text inside ops.
const message = (page: Page, text: string) => page.getByTestId('message').filter({ hasText: text })

async function send(page: Page, message: string) {
  await page.getByLabel('message').fill(message)
  await page.getByRole('button', { name: 'Send' }).click()
}

/**
 * Whether `target` is on screen without scrolling and nothing of the debugger
 * lies over it: its box inside the viewport, apart from the panel's box, and
 * the page's topmost element at its center is the target itself.
 */
async function uncovered(page: Page, target: Locator): Promise<Record<string, boolean>> {
  const box = await target.boundingBox()
  const panel = await page.locator('[data-pw-debugger]').boundingBox()
  const viewport = page.viewportSize()
  if (!box || !panel || !viewport)
    throw new Error('the target, the debugger or the viewport is missing')
  const apart =
    box.x + box.width <= panel.x ||
    panel.x + panel.width <= box.x ||
    box.y + box.height <= panel.y ||
    panel.y + panel.height <= box.y
  const onTop = await target.evaluate((el) => {
    const r = el.getBoundingClientRect()
    const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)
    return hit !== null && (hit === el || el.contains(hit))
  })
  return {
    inViewport:
      box.y >= 0 && box.y + box.height <= viewport.height && box.x + box.width <= viewport.width,
    apart,
    onTop,
  }
}

const ALL_CLEAR = { inViewport: true, apart: true, onTop: true }

/** The relay room's last sequence, read with a join of its own. */
async function roomHead(room: string): Promise<number> {
  const socket = io(examples.server.url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  })
  try {
    const ack = await new Promise<JoinAck>((resolve) =>
      socket.emit('join', { room, schemaVersion: 1, clientId: 'inspector' }, resolve),
    )
    if (!ack.ok) throw new Error(`join refused: ${ack.reason}`)
    return ack.seq
  } finally {
    socket.disconnect()
  }
}

describe('the example apps in Chromium', { timeout: 90_000 }, () => {
  it('two browser contexts see each other and chat through the relay', async () => {
    const a = await open('/chat/?room=lobby')
    const b = await open('/chat/?room=lobby')
    await waitForTestId(a.page, 'connection', 'live')
    await waitForTestId(b.page, 'connection', 'live')
    const names = [
      await a.page.getByLabel('name').inputValue(),
      await b.page.getByLabel('name').inputValue(),
    ].sort()
    await waitForTestId(a.page, 'presence', names.join(', '))
    await waitForTestId(b.page, 'presence', names.join(', '))
    await send(a.page, 'hello from A')
    await message(b.page, 'hello from A').waitFor()
    await send(b.page, 'hi A, B here')
    await message(a.page, 'hi A, B here').waitFor()
    const inA = await a.page.getByTestId('message').allInnerTexts()
    const inB = await b.page.getByTestId('message').allInnerTexts()
    expect(inA.map((m) => m.split(': ')[1])).toEqual(['hello from A', 'hi A, B here'])
    expect(inB).toEqual(inA)
    await screenshot(b.page, 'chat-two-contexts')
    expect([...a.errors, ...b.errors]).toEqual([])
  })

  it('a chat tab shows “Joining” until its room has joined, then the room’s messages', async () => {
    const a = await open('/chat/?room=lobby')
    await waitForTestId(a.page, 'connection', 'live')
    await send(a.page, 'said before B came')
    await message(a.page, 'said before B came').waitFor()
    const { page, errors } = await examples.newPage()
    // The page's relay connection is held, not yet passed to the relay, until the fallback was seen.
    const held: WebSocketRoute[] = []
    let released = false
    await page.routeWebSocket(/\/socket\.io\//, (ws) => {
      if (released) ws.connectToServer()
      else held.push(ws)
    })
    await page.goto(`${examples.server.url}/chat/?room=lobby`)
    await waitForTestId(page, 'joining', 'Joining #lobby…')
    expect(await page.getByTestId('message').count()).toBe(0)
    released = true
    for (const ws of held) ws.connectToServer()
    await message(page, 'said before B came').waitFor()
    expect(await page.getByTestId('joining').count()).toBe(0)
    expect(await text(page, 'connection')).toBe('live')
    expect([...a.errors, ...errors]).toEqual([])
  })

  it('a chat tab shows who is typing in another tab through presence', async () => {
    const a = await open('/chat/?room=lobby')
    const b = await open('/chat/?room=lobby')
    await waitForTestId(a.page, 'connection', 'live')
    await waitForTestId(b.page, 'connection', 'live')
    const nameB = await b.page.getByLabel('name').inputValue()
    await b.page.getByLabel('message').fill('half a thou')
    await waitForTestId(a.page, 'typing', `${nameB} is typing…`)
    await b.page.getByLabel('message').fill('')
    await waitForTestId(a.page, 'typing', '')
    expect([...a.errors, ...b.errors]).toEqual([])
  })

  it('a second chat tab joining and typing leaves the room’s durable state unchanged', async () => {
    const a = await open('/chat/?room=random')
    await waitForTestId(a.page, 'connection', 'live')
    // The first tab of a fresh room seeds it once: that write is wanted, wait for it.
    while ((await roomHead('chat:random')) === 0) await new Promise((r) => setTimeout(r, 50))
    const before = await roomHead('chat:random')
    const b = await open('/chat/?room=random')
    const names = [
      await a.page.getByLabel('name').inputValue(),
      await b.page.getByLabel('name').inputValue(),
    ].sort()
    await waitForTestId(a.page, 'presence', names.join(', '))
    await b.page.getByLabel('message').fill('not sent')
    await waitForTestId(a.page, 'typing', /is typing/)
    expect(await roomHead('chat:random')).toBe(before)
    expect([...a.errors, ...b.errors]).toEqual([])
  })

  it('a change the relay schema refuses shows in the debugger and is rolled back', async () => {
    // Tall enough for the docked debugger to show the refusal in full: this is the README's screenshot.
    const { page, errors } = await open('/chat/?room=dev', { width: 1280, height: 1000 })
    await waitForTestId(page, 'connection', 'live')
    await send(page, 'a welcome message')
    await message(page, 'a welcome message').waitFor()
    await send(page, 'cheap spam here')
    await page.locator('[data-pw-rejected="schema"]').first().waitFor()
    await message(page, 'cheap spam here').waitFor({ state: 'detached' })
    expect(await page.getByTestId('message').allInnerTexts()).toHaveLength(1)
    const rejection = await page.locator('[data-pw-rejected="schema"]').first().innerText()
    expect(rejection).toContain('the relay refuses messages about spam')
    await screenshot(page, 'debugger')
    expect(errors).toEqual([])
  })

  it('a patch written in the debugger form is validated, applied as devtools and synced', async () => {
    const a = await open('/chat/?room=random')
    const b = await open('/chat/?room=random')
    await waitForTestId(a.page, 'connection', 'live')
    await waitForTestId(b.page, 'connection', 'live')
    const form = a.page.locator('[data-pw-form]')
    const patch = (text: string) =>
      JSON.stringify({
        op: 'add',
        path: '/chat/messages/-',
        value: { id: `dev-${text.length}`, author: 'devtools', text, at: 1 },
      })
    await form.getByLabel('patch ops (JSON)').fill(patch(''))
    await form.getByRole('button', { name: 'dispatch as devtools' }).click()
    await a.page.locator('[data-pw-traffic="rejected"][data-pw-source="devtools"]').waitFor()
    await form.getByLabel('patch ops (JSON)').fill(patch('typed by hand'))
    await form.getByRole('button', { name: 'dispatch as devtools' }).click()
    await message(a.page, 'typed by hand').waitFor()
    await message(b.page, 'typed by hand').waitFor()
    expect(await a.page.getByTestId('message').count()).toBe(1)
    // Unticking a source hides its rows from the list.
    await a.page.locator('[data-pw-filter="devtools"]').uncheck()
    expect(await a.page.locator('[data-pw-source="devtools"]').count()).toBe(0)
    await form.getByLabel('patch ops (JSON)').fill('{"op":"move"}')
    await form.getByRole('button', { name: 'dispatch as devtools' }).click()
    expect(await form.getByRole('alert').innerText()).toContain(
      '"op" must be add, replace or remove',
    )
    await screenshot(a.page, 'debugger-form')
    expect([...a.errors, ...b.errors]).toEqual([])
  })

  it('the cart keeps offline edits through a reload and the other tab gets them once', async () => {
    const a = await open('/cart/')
    const b = await open('/cart/')
    await waitForTestId(a.page, 'connection', 'live')
    await waitForTestId(b.page, 'connection', 'live')
    await setCartOffline(a.page, true)
    await a.page.getByTestId('add-tea').click()
    await a.page.getByTestId('add-tea').click()
    await a.page.getByTestId('add-mug').click()
    await waitForTestId(a.page, 'total', '$18.00')
    await waitForSavedAfter(a.page, await pageNow(a.page))
    await a.page.reload()
    await waitForTestId(a.page, 'persist', 'ready')
    await waitForTestId(a.page, 'total', '$18.00')
    expect(await a.page.getByTestId('offline').isChecked()).toBe(true)
    await a.page.getByTestId('line-tea').getByText('not synced yet').waitFor()
    expect(await text(b.page, 'total')).toBe('$0.00')
    await setCartOffline(a.page, false)
    await waitForTestId(a.page, 'pending', '0 pending')
    await a.page.getByTestId('line-tea').getByText('not synced yet').waitFor({ state: 'detached' })
    await waitForTestId(b.page, 'total', '$18.00')
    expect(await b.page.getByTestId('qty-tea').inputValue()).toBe('2')
    expect(await b.page.getByTestId('qty-mug').inputValue()).toBe('1')
    await screenshot(b.page, 'cart-after-offline')
    expect([...a.errors, ...b.errors]).toEqual([])
  })

  it('the relay refuses a quantity over its stock and the cart rolls back', async () => {
    const { page, errors } = await open('/cart/')
    await waitForTestId(page, 'connection', 'live')
    await page.getByTestId('add-kettle').click()
    await waitForTestId(page, 'pending', '0 pending')
    const kettles = await page.getByTestId('qty-kettle').inputValue()
    await page.getByTestId('qty-kettle').fill('50')
    await page.locator('[data-pw-rejected="schema"]').first().waitFor()
    await page.waitForFunction(
      (before) =>
        (document.querySelector('[data-testid="qty-kettle"]') as HTMLInputElement | null)?.value ===
        before,
      kettles,
    )
    await waitForTestId(page, 'pending', '0 pending')
    await screenshot(page, 'cart-stock-refused')
    expect(errors).toEqual([])
  })

  it('at 1280×900 the debugger covers none of the dashboard charts', async () => {
    const { page, errors } = await open('/dashboard/', { width: 1280, height: 900 })
    await waitForTestId(page, 'stream-state', 'live')
    // A debugger with traffic in it, at its full height.
    await page.locator('[data-pw-source="stream"]').first().waitFor()
    for (const chart of ['CPU %', 'Memory %', 'Requests/s']) {
      expect(await uncovered(page, page.getByRole('img', { name: `${chart} chart` }))).toEqual(
        ALL_CLEAR,
      )
    }
    await screenshot(page, 'dashboard-1280x900')
    expect(errors).toEqual([])
  })

  it("at 1280×900 the debugger covers neither the cart nor the cart's explanation", async () => {
    const { page, errors } = await open('/cart/', { width: 1280, height: 900 })
    await waitForTestId(page, 'connection', 'live')
    // Enough traffic for the debugger to reach its full height: edits from another
    // device arrive as sync changes (this tab's own edits leave as pushes of the shared connection).
    const other = await open('/cart/')
    await waitForTestId(other.page, 'connection', 'live')
    for (const sku of ['tea', 'mug', 'kettle', 'honey']) {
      await other.page.getByTestId(`add-${sku}`).click()
      await page.getByTestId(`line-${sku}`).waitFor()
    }
    await page.locator('[data-pw-traffic]').nth(4).waitFor()
    for (const id of ['line-honey', 'total', 'explanation']) {
      expect(await uncovered(page, page.getByTestId(id))).toEqual(ALL_CLEAR)
    }
    await screenshot(page, 'cart-1280x900')
    expect([...errors, ...other.errors]).toEqual([])
  })

  it('the dashboard updates and resumes from its cursor after a relay restart', async () => {
    const { page, errors } = await open('/dashboard/')
    const resumes: string[] = []
    page.on('request', (request) => {
      if (request.url().includes('/examples/metrics')) {
        resumes.push(
          request.headers()['last-event-id'] ??
            new URL(request.url()).searchParams.get('since') ??
            '',
        )
      }
    })
    await waitForTestId(page, 'stream-state', 'live')
    await waitForTestId(page, 'cursor', /^\d+$/)
    const first = Number(await text(page, 'cursor'))
    await page.waitForFunction(
      (c) => Number(document.querySelector('[data-testid="cursor"]')?.textContent) > c,
      first,
    )
    await examples.server.restart()
    const beforeResume = Number(await text(page, 'cursor'))
    await page.waitForFunction(
      (c) => Number(document.querySelector('[data-testid="cursor"]')?.textContent) > c + 2,
      beforeResume,
    )
    await waitForTestId(page, 'stream-state', 'live')
    expect(resumes.length).toBeGreaterThan(0)
    expect(Number(resumes.at(-1))).toBeGreaterThanOrEqual(beforeResume)
    expect(await page.locator('polyline').count()).toBe(3)
    await screenshot(page, 'dashboard-resumed')
    expect(errors).toEqual([])
  })

  it('the dashboard’s RTK Query endpoint loads, its stream resumes after the loaded tick, and stops with the cache entry', async () => {
    // Listening before the page loads: the query and its stream start as the app mounts.
    const { page, errors } = await examples.newPage({ viewport: { width: 1200, height: 800 } })
    const loaded: number[] = []
    const cursors: string[] = []
    const aborted: string[] = []
    page.on('response', async (response) => {
      if (new URL(response.url()).pathname === '/examples/routes')
        loaded.push(((await response.json()) as { tick: number }).tick)
    })
    page.on('request', (request) => {
      if (new URL(request.url()).pathname !== '/examples/routes/stream') return
      cursors.push(
        request.headers()['last-event-id'] ??
          new URL(request.url()).searchParams.get('since') ??
          '',
      )
    })
    page.on('requestfailed', (request) => {
      if (new URL(request.url()).pathname === '/examples/routes/stream') aborted.push(request.url())
    })
    await page.goto(`${examples.server.url}/dashboard/`)
    await waitForTestId(page, 'routes-state', 'live')
    const first = Number(await text(page, 'routes-tick'))
    await page.waitForFunction(
      (t) => Number(document.querySelector('[data-testid="routes-tick"]')?.textContent) > t + 2,
      first,
    )
    // One query, and one stream that started after the tick that query loaded.
    expect(loaded).toHaveLength(1)
    expect(cursors).toEqual([String(loaded[0])])
    // The table is the server's value for the tick it shows: each chunk landed whole, tick and hits together.
    const [tick, hits] = await page.evaluate(
      () =>
        [
          Number(document.querySelector('[data-testid="routes-tick"]')?.textContent),
          [...document.querySelectorAll('[data-testid="route-hits"]')].map((el) =>
            Number(el.textContent),
          ),
        ] as const,
    )
    const expected = routeHitsAt(tick, EXAMPLE_TICK_MS)
    expect(hits).toEqual(ROUTES.map((route) => expected.hits[route]))
    expect(Number(await text(page, 'routes-cursor'))).toBeGreaterThanOrEqual(tick)
    // No component reads the entry: RTK Query removes it after keepUnusedDataFor (1 s), which stops the stream.
    await page.getByRole('button', { name: 'Hide requests by route' }).click()
    await waitForTestId(page, 'routes-state', 'stopped')
    await expect.poll(() => aborted.length).toBe(1)
    // Longer than the stream's longest backoff (2 s): a stopped stream does not reconnect.
    await page.waitForTimeout(2_500)
    expect(cursors).toHaveLength(1)
    expect(await text(page, 'routes-state')).toBe('stopped')
    expect(errors).toEqual([])
  })
})
