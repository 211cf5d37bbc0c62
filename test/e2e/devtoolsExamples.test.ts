import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { exampleBrowser } from './exampleBrowser'

// How each example chooses its Redux DevTools: the in-page Inspector monitor
// with ?devtools=1 (or the header's switch), the browser extension with
// patchwire's presets when it is installed, else none.

const examples = exampleBrowser()
const newPage = () => examples.newPage({ viewport: { width: 1280, height: 900 } })

const monitor = (page: Page) => page.locator('[data-pw-devtools-monitor]')
const actionRows = (page: Page, type: string) =>
  monitor(page).getByTestId('actionListRows').locator('[data-id]').filter({ hasText: type })

describe('the Inspector monitor in every example', { timeout: 120_000 }, () => {
  it('the dashboard opened with ?devtools=1 lists the streamed patchwire/applyPatch actions', async () => {
    const { page, errors } = await newPage()
    await page.goto(`${examples.server.url}/dashboard/?devtools=1`)
    await actionRows(page, 'patchwire/applyPatch').first().waitFor()
    expect(errors).toEqual([])
  })

  it('the server-rendered room opened with ?devtools=1 lists the streamed patchwire/applyPatch actions beside the hydrated page', async () => {
    const { page, errors } = await newPage()
    await page.goto(`${examples.server.url}/ssr/?devtools=1`)
    await actionRows(page, 'patchwire/applyPatch').first().waitFor()
    await page.getByTestId('connection').filter({ hasText: 'live' }).waitFor()
    expect(errors).toEqual([])
  })

  it('the cart opened with ?devtools=1 lists the action of an item added', async () => {
    const { page, errors } = await newPage()
    await page.goto(`${examples.server.url}/cart/?devtools=1`)
    await page.getByTestId('add-tea').click()
    await page.getByTestId('line-tea').waitFor()
    await actionRows(page, 'cart/itemAdded').first().waitFor()
    expect(errors).toEqual([])
  })

  it("the header's switch opens the monitor (downloaded only then) and closes it again, keeping the chat's room", async () => {
    const { page, errors } = await newPage()
    const scripts: string[] = []
    page.on('request', (request) => {
      if (request.resourceType() === 'script') scripts.push(new URL(request.url()).pathname)
    })
    const monitorChunks = () => scripts.filter((path) => path.includes('DevToolsMonitor'))
    await page.goto(`${examples.server.url}/chat/?room=random`)
    await page.getByTestId('connection').filter({ hasText: 'live' }).waitFor()
    expect(await monitor(page).count()).toBe(0)
    // A page without the monitor does not download it.
    expect(monitorChunks()).toEqual([])
    await page.getByRole('link', { name: 'Open Redux DevTools' }).click()
    await actionRows(page, 'patchwire/').first().waitFor()
    expect(monitorChunks()).toHaveLength(1)
    expect(new URL(page.url()).searchParams.get('room')).toBe('random')
    await page.getByRole('link', { name: 'Close Redux DevTools' }).click()
    await page.getByRole('link', { name: 'Open Redux DevTools' }).waitFor()
    expect(await monitor(page).count()).toBe(0)
    expect(new URL(page.url()).search).toBe('?room=random')
    expect(errors).toEqual([])
  })
})

describe('the browser extension, when it is installed', { timeout: 120_000 }, () => {
  it("receives patchwire's presets, and the page docks no monitor of its own even with ?devtools=1", async () => {
    const { page, errors } = await newPage()
    // What the extension injects before any script runs: Redux Toolkit composes
    // through the second global and hands it the store's `devTools` options.
    await page.addInitScript(() => {
      const w = window as unknown as Record<string, unknown>
      w.__REDUX_DEVTOOLS_EXTENSION__ = () => (next: unknown) => next
      w.__REDUX_DEVTOOLS_EXTENSION_COMPOSE__ = (options: unknown) => {
        w.__devToolsOptions = options
        return (...enhancers: ((next: unknown) => unknown)[]) =>
          (next: unknown) =>
            enhancers.reduceRight((inner, enhancer) => enhancer(inner), next)
      }
    })
    await page.goto(`${examples.server.url}/chat/?room=random&devtools=1`)
    await page.getByTestId('connection').filter({ hasText: 'live' }).waitFor()
    await page.getByText('Redux DevTools: the browser extension').waitFor()
    expect(await monitor(page).count()).toBe(0)
    const seen = await page.evaluate(() => {
      const options = (window as unknown as Record<string, unknown>).__devToolsOptions as {
        name: string
        actionsDenylist: string[]
        actionSanitizer: (action: unknown) => {
          payload: { changes: unknown[]; omittedChanges?: number }
        }
      }
      const changes = Array.from({ length: 25 }, (_, i) => ({
        source: 'sync',
        ops: [{ op: 'add', path: ['chat', 'messages', '-'], value: i }],
      }))
      const shown = options.actionSanitizer({ type: 'patchwire/applyPatch', payload: { changes } })
      return {
        name: options.name,
        deny: options.actionsDenylist,
        shown: shown.payload.changes.length,
        omitted: shown.payload.omittedChanges,
      }
    })
    expect(seen).toEqual({
      name: 'Chat · patchwire',
      deny: ['patchwire/syncStatusChanged'],
      shown: 20,
      omitted: 5,
    })
    expect(errors).toEqual([])
  })
})
