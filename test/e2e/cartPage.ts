import type { Page } from 'playwright-core'

/** Waits until the element with `data-testid` reads exactly `expected` (or matches it). */
export async function waitForTestId(page: Page, testId: string, expected: string | RegExp) {
  const pattern =
    typeof expected === 'string'
      ? { source: `^${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, flags: '' }
      : { source: expected.source, flags: expected.flags }
  await page.waitForFunction(
    ({ id, source, flags }) => {
      const el = document.querySelector(`[data-testid="${id}"]`)
      return el !== null && new RegExp(source, flags).test(el.textContent ?? '')
    },
    { id: testId, ...pattern },
  )
}

/**
 * Flips the cart's offline switch, which reloads the tab into that mode, and
 * waits for the reloaded tab to have loaded its saved cart.
 */
export async function setCartOffline(page: Page, offline: boolean): Promise<void> {
  const reloaded = page.waitForEvent('load')
  const box = page.getByTestId('offline')
  if ((await box.isChecked()) !== offline) await box.click({ noWaitAfter: true })
  await reloaded
  await waitForTestId(page, 'persist', 'ready')
  await waitForTestId(page, 'connection', offline ? 'offline' : 'live')
}

/** The time in the page now, to wait for a save after it with `waitForSavedAfter`. */
export const pageNow = (page: Page): Promise<number> => page.evaluate(() => Date.now())

/** Waits until persist has written the cart at or after `after` (its debounce runs after the last edit). */
export async function waitForSavedAfter(page: Page, after: number): Promise<void> {
  await page.waitForFunction(
    (t) =>
      Number(document.querySelector('[data-testid="persist"]')?.getAttribute('data-saved-at')) >= t,
    after,
  )
}

/** The cart's quantities as this tab shows them, by sku. */
export function cartQuantities(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => {
    const out: Record<string, number> = {}
    for (const input of document.querySelectorAll<HTMLInputElement>('[data-testid^="qty-"]')) {
      out[(input.dataset.testid ?? '').slice(4)] = Number(input.value)
    }
    return out
  })
}
