import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { cartQuantities, waitForTestId } from './cartPage'
import { exampleBrowser } from './exampleBrowser'

// A fresh relay for every test: the cart's room starts empty.
const examples = exampleBrowser({ serverPerTest: true, checkErrors: true, timeoutMs: 180_000 })

/** The cart in a browser profile of its own (one device), live. */
async function openCart(): Promise<Page> {
  const { page } = await examples.open('/cart/')
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
