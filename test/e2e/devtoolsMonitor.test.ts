import type { Browser, BrowserContext, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PushResult, RelayChange } from '../../src/protocol'
import {
  ensureExamplesBuilt,
  launchChromium,
  type RestartableServer,
  screenshot,
  startExampleServer,
  watchErrors,
} from './harness'

// The chat example opened with ?devtools=1 docks the Redux DevTools Inspector
// monitor under the page. These tests use it as a person would: filter the
// action list, select a row, open the Action tab and expand the tree, hover a
// row for its Jump and Skip buttons. A second browser context (no monitor)
// shows what other clients see; the relay's observer records what it receives.

const ROOM = 'dev'
const RELAY_ROOM = `chat:${ROOM}`
const WAIT = { timeout: 30_000, interval: 100 }

let browser: Browser
let server: RestartableServer
const contexts: BrowserContext[] = []
let ada: Page
let bob: Page
const errors: string[][] = []

/** What both tabs show once the set-up has run. */
const ALL = ['ada: one', 'ada: two', 'ada: three', 'bob: from bob']
/** How many pushes the relay had received when the travelling began. */
let pushesBeforeTravel = 0

/** What the relay received and sent, in order. */
const received: { results: PushResult[] }[] = []
const broadcasts: RelayChange[] = []

async function open(path: string, name: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  contexts.push(context)
  context.setDefaultTimeout(30_000)
  const page = await context.newPage()
  errors.push(watchErrors(page))
  await page.goto(`${server.url}${path}`)
  await page.getByTestId('connection').filter({ hasText: 'live' }).waitFor()
  await page.getByLabel('name').fill(name)
  return page
}

/**
 * The chat messages the page shows, as "author: text". Visible ones only: a
 * room that suspends again keeps its messages in the page, hidden under "Joining".
 */
const messages = (page: Page): Promise<string[]> =>
  page.getByTestId('message').filter({ visible: true }).allInnerTexts()

/** Waits until the page shows the chat message "author: text". */
const shown = (page: Page, message: string): Promise<void> =>
  page.getByTestId('message').filter({ hasText: message }).first().waitFor()

async function send(page: Page, text: string): Promise<void> {
  await page.getByLabel('message').fill(text)
  await page.getByRole('button', { name: 'Send' }).click()
}

const monitor = (): Locator => ada.locator('[data-pw-devtools-monitor]')

/** The monitor's action rows, narrowed by its filter box to `type`. */
async function rows(type: string): Promise<Locator> {
  await monitor().getByPlaceholder('filter...').fill(type)
  const all = monitor().getByTestId('actionListRows').locator('[data-id]')
  return type ? all.filter({ hasText: type }) : all
}

/** Selects a row, shows its Action tab and expands the tree along `labels`. */
async function showAction(row: Locator, labels: string[]): Promise<Locator> {
  await row.click()
  // Through another tab, so the Action tree opens afresh: it keeps what was
  // expanded for the previously selected action, and a click would fold it.
  // The tab buttons come before the preview's title, which reads the tab's name.
  await monitor().getByText('State', { exact: true }).first().click()
  await monitor().getByText('Action', { exact: true }).first().click()
  const preview = monitor()
    .getByTestId('inspector')
    .locator(':scope > :not([data-testid="actionList"])')
  // The newest label of a name is the one just revealed (an "0" under "ops" after the change's "0").
  for (const label of labels) await preview.getByText(label, { exact: true }).last().click()
  return preview
}

/** A `key: value` line of the JSON tree as its text reads (each key carries a "(pin)" button). */
const field = (key: string, value: string): RegExp =>
  new RegExp(`\\b${key}(\\(pin\\))?:\\s*${value}`)

/** Hovers a row and clicks one of the buttons the hover reveals. */
async function press(row: Locator, button: 'Jump' | 'Skip'): Promise<void> {
  await row.hover()
  await row.getByText(button, { exact: true }).click()
}

/** How many rows of the listed ones the monitor greys out as "in the future" of the shown state. */
const futureRows = (list: Locator): Promise<number> =>
  list.evaluateAll((els) => els.filter((el) => getComputedStyle(el).opacity !== '1').length)

/**
 * Leaves time travel: clears the filter and jumps to the newest action, until
 * no row is in the future (an action the relay's presence beat added just
 * before the click would leave the page one step behind).
 */
async function jumpToLast(): Promise<void> {
  const all = await rows('')
  await expect
    .poll(async () => {
      await press(all.last(), 'Jump')
      return futureRows(all)
    }, WAIT)
    .toBe(0)
}

async function relaySeq(): Promise<number> {
  return (await server.current().relay.read(RELAY_ROOM)).seq
}

beforeAll(async () => {
  const dist = await ensureExamplesBuilt()
  browser = await launchChromium()
  server = await startExampleServer(dist)
  server.current().relay.observe({
    pushed: (_room, results) => received.push({ results: [...results] }),
    broadcast: (change) => broadcasts.push(change),
  })
  bob = await open(`/chat/?room=${ROOM}`, 'bob')
  ada = await open(`/chat/?room=${ROOM}&devtools=1`, 'ada')
  for (const text of ['one', 'two', 'three']) {
    await send(ada, text)
    await shown(bob, `ada: ${text}`)
  }
  await send(bob, 'from bob')
  await shown(ada, 'bob: from bob')
  pushesBeforeTravel = received.length
}, 180_000)

afterAll(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()))
  await browser?.close()
  await server?.close()
})

describe('the Redux DevTools Inspector monitor in the chat example', { timeout: 120_000 }, () => {
  it("lists a peer's message as patchwire/applyPatch with its source, origin and seq in the action view", async () => {
    const fromBob = broadcasts.find((c) => JSON.stringify(c.ops).includes('from bob'))
    if (!fromBob) throw new Error("the relay broadcast no change with bob's message")
    const row = (await rows('patchwire/applyPatch')).last()
    const preview = await showAction(row, ['payload', 'changes', '0', 'ops', '0', 'value'])
    await expect.poll(() => preview.innerText(), WAIT).toMatch(field('text', '"from bob"'))
    const text = await preview.innerText()
    expect(text).toMatch(field('type', '"patchwire/applyPatch"'))
    expect(text).toMatch(field('source', '"sync"'))
    expect(text).toMatch(field('origin', `"${fromBob.origin}"`))
    expect(text).toMatch(field('seq', `${fromBob.seq}\\b`))
    await preview.getByText('origin', { exact: true }).last().scrollIntoViewIfNeeded()
    await screenshot(ada, 'devtools-monitor-apply-patch')
  })

  it('jumping to an earlier action shows the messages of that moment while the relay and the other tab see nothing', async () => {
    const seq = await relaySeq()
    const pushes = received.length
    const sent = await rows('chat/messageSent')
    await press(sent.first(), 'Jump')
    await expect.poll(() => messages(ada), WAIT).toEqual(['ada: one'])
    // The two later messages' actions are greyed out as the future.
    expect(await futureRows(sent)).toBe(2)
    expect(await messages(bob)).toEqual(ALL)
    expect(await relaySeq()).toBe(seq)
    expect(received.length).toBe(pushes)
    await screenshot(ada, 'devtools-monitor-jump')
  })

  it('jumping to the last action shows every message again', async () => {
    await jumpToLast()
    await expect.poll(() => messages(ada), WAIT).toEqual(ALL)
  })

  it('skipping an action removes its message from the page and un-skipping restores it, while the relay and the other tab see nothing', async () => {
    const seq = await relaySeq()
    const pushes = received.length
    const two = (await rows('chat/messageSent')).nth(1)
    await press(two, 'Skip')
    await expect.poll(() => messages(ada), WAIT).toEqual(ALL.filter((m) => m !== 'ada: two'))
    await screenshot(ada, 'devtools-monitor-skip')
    expect(await messages(bob)).toEqual(ALL)
    await press(two, 'Skip')
    await expect.poll(() => messages(ada), WAIT).toEqual(ALL)
    expect(await messages(bob)).toEqual(ALL)
    expect(await relaySeq()).toBe(seq)
    expect(received.length).toBe(pushes)
  })

  it('jumping to the state before the room joined shows "Joining", and jumping back shows the messages again', async () => {
    // The monitor offers no Jump on @@INIT; the first action after it comes before the join.
    await press((await rows('')).nth(1), 'Jump')
    await ada.getByTestId('joining').waitFor()
    expect(await messages(ada)).toEqual([])
    await screenshot(ada, 'devtools-monitor-init')
    await jumpToLast()
    await screenshot(ada, 'devtools-monitor-init-back')
    await expect.poll(() => messages(ada), WAIT).toEqual(ALL)
    expect(await messages(bob)).toEqual(ALL)
  })

  it('after time travel a new message reaches the other tab, and it is the only push the relay received since travel began', async () => {
    await send(ada, 'after travel')
    await shown(bob, 'ada: after travel')
    expect(await messages(bob)).toEqual([...ALL, 'ada: after travel'])
    expect(await messages(ada)).toEqual([...ALL, 'ada: after travel'])
    // A socket's pushes reach the relay in order: any push sent while travelling
    // would have been received before this one.
    const since = received.slice(pushesBeforeTravel)
    expect(since).toHaveLength(1)
    expect(since[0]?.results).toHaveLength(1)
    const accepted = since[0]?.results[0]
    const change = broadcasts.find((c) => accepted && 'seq' in accepted && c.seq === accepted.seq)
    expect(JSON.stringify(change?.ops)).toContain('after travel')
  })

  it('a message sent while the monitor shows a past state reaches the other tab, and the page keeps showing that past state', async () => {
    await press((await rows('chat/messageSent')).first(), 'Jump')
    await expect.poll(() => messages(ada), WAIT).toEqual(['ada: one'])
    await send(ada, 'sent from the past')
    await shown(bob, 'ada: sent from the past')
    expect(await messages(bob)).toEqual([...ALL, 'ada: after travel', 'ada: sent from the past'])
    expect(await messages(ada)).toEqual(['ada: one'])
  })

  it("a peer's message that arrives during time travel shows once, when time travel ends", async () => {
    const applied = await (await rows('patchwire/applyPatch')).count()
    await send(bob, 'while ada travels')
    await expect
      .poll(async () => (await rows('patchwire/applyPatch')).count(), WAIT)
      .toBe(applied + 1)
    expect(await messages(ada)).toEqual(['ada: one'])
    await jumpToLast()
    const everything = [
      ...ALL,
      'ada: after travel',
      'ada: sent from the past',
      'bob: while ada travels',
    ]
    await expect.poll(() => messages(ada), WAIT).toEqual(everything)
    expect(await messages(bob)).toEqual(everything)
  })

  it('a message the relay refuses shows as patchwire/patchRejected with its reason and issues', async () => {
    await send(ada, 'buy spam now')
    const row = (await rows('patchwire/patchRejected')).last()
    await row.waitFor()
    const preview = await showAction(row, ['payload', 'issues', '0'])
    await expect
      .poll(() => preview.innerText(), WAIT)
      .toMatch(field('message', '"the relay refuses messages about spam"'))
    const text = await preview.innerText()
    expect(text).toMatch(field('type', '"patchwire/patchRejected"'))
    expect(text).toMatch(field('reason', '"schema"'))
    expect(text).toMatch(field('stage', '"relay"'))
    // The optimistic message is rolled back on both sides.
    const everything = [
      ...ALL,
      'ada: after travel',
      'ada: sent from the past',
      'bob: while ada travels',
    ]
    await expect.poll(() => messages(ada), WAIT).toEqual(everything)
    expect(await messages(bob)).toEqual(everything)
    await screenshot(ada, 'devtools-monitor-patch-rejected')
  })

  it('the pages raised no uncaught error', () => {
    expect(errors.flat()).toEqual([])
  })
})
