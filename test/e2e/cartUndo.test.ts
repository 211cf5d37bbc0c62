import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { cartQuantities, waitForTestId } from './cartPage'
import {
  ensureExamplesBuilt,
  launchChromium,
  type RestartableServer,
  startExampleServer,
  watchErrors,
} from './harness'

let dist: string
let browser: Browser
let server: RestartableServer
const contexts: BrowserContext[] = []
const errors: string[] = []

beforeAll(async () => {
  dist = await ensureExamplesBuilt()
  browser = await launchChromium()
}, 180_000)

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

/** The cart in a browser profile of its own (one device), live. */
async function openCart(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } })
  context.setDefaultTimeout(30_000)
  contexts.push(context)
  const page = await context.newPage()
  errors.push(...watchErrors(page))
  await page.goto(`${server.url}/cart/`)
  await waitForTestId(page, 'persist', 'ready')
  await waitForTestId(page, 'connection', 'live')
  return page
}

const quantities = (page: Page) =>
  expect.poll(() => cartQuantities(page), { timeout: 30_000, interval: 50 })

describe('undo and redo in the cart example', { timeout: 120_000 }, () => {
  it("Ctrl+Z undoes this device's own item and keeps the other device's", async () => {
    const alice = await openCart()
    const bob = await openCart()
    await alice.getByTestId('add-tea').click()
    await quantities(bob).toEqual({ tea: 1 })
    await bob.getByTestId('add-mug').click()
    await quantities(alice).toEqual({ tea: 1, mug: 1 })
    await alice.keyboard.press('Control+z')
    await quantities(alice).toEqual({ mug: 1 })
    await quantities(bob).toEqual({ mug: 1 })
    await alice.keyboard.press('Control+Shift+z')
    await quantities(bob).toEqual({ mug: 1, tea: 1 })
    await quantities(alice).toEqual({ mug: 1, tea: 1 })
  })

  it('the Undo button leaves an item whose quantity the other device changed since', async () => {
    const alice = await openCart()
    const bob = await openCart()
    await alice.getByTestId('add-kettle').click()
    await quantities(bob).toEqual({ kettle: 1 })
    await bob.getByTestId('qty-kettle').fill('3')
    await quantities(alice).toEqual({ kettle: 3 })
    await alice.getByTestId('undo').click()
    await alice.waitForFunction(
      () => (document.querySelector('[data-testid="undo"]') as HTMLButtonElement).disabled,
    )
    await quantities(alice).toEqual({ kettle: 3 })
    await quantities(bob).toEqual({ kettle: 3 })
    expect(await bob.getByTestId('redo').isDisabled()).toBe(true)
  })
})
