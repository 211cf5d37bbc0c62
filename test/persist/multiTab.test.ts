import { describe, expect, it } from 'vitest'
import { applyPatch, createMemoryStorage } from '../../src/index'
import { cart, countingStorage, makeStore, payloadOf, settings } from './helpers'

/** Waits until `check` holds (delivery between tabs is asynchronous); fails after 5 s. */
async function until(check: () => boolean): Promise<void> {
  for (let waited = 0; !check(); waited += 5) {
    if (waited > 5_000) throw new Error('condition never held')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/**
 * One wall clock for every tab of a test, moved forward by hand: entries are
 * ordered by hybrid logical clocks, and two tabs acting within one real
 * millisecond would otherwise be ordered by their ids rather than by the test.
 */
function wallClock() {
  let ms = 1_000
  return { now: () => ms, tick: () => (ms += 1_000) }
}

describe('persist: two writers on one storage', () => {
  it('adopts an entry another tab wrote after its own unsaved change instead of overwriting it', async () => {
    const storage = createMemoryStorage()
    const wall = wallClock()
    const a = makeStore({ storage, writerId: 'taba', now: wall.now })
    const b = makeStore({ storage, writerId: 'tabb', now: wall.now })
    await Promise.all([a.hydrated(), b.hydrated()])
    wall.tick()
    b.store.dispatch(cart.actions.added('from B'))
    wall.tick()
    a.store.dispatch(cart.actions.added('from A'))
    await a.saver.flush()
    wall.tick()
    await b.saver.flush()
    expect(payloadOf(storage.getItem('patchwire:app:v1:cart'))).toEqual({ items: ['from A'] })
    expect(b.store.getState().cart.items).toEqual(['from A'])
    const adoption = b.actions.filter((x) => applyPatch.match(x)).at(-1) as ReturnType<
      typeof applyPatch
    >
    expect(adoption.payload.changes[0]?.source).toBe('persist')
  })

  it('writes normally once it has seen the other tab’s latest entry', async () => {
    const storage = createMemoryStorage()
    const wall = wallClock()
    const a = makeStore({ storage, writerId: 'taba', now: wall.now })
    const b = makeStore({ storage, writerId: 'tabb', now: wall.now })
    await Promise.all([a.hydrated(), b.hydrated()])
    wall.tick()
    b.store.dispatch(cart.actions.added('ignored'))
    wall.tick()
    a.store.dispatch(cart.actions.added('from A'))
    await a.saver.flush()
    await b.saver.flush()
    wall.tick()
    b.store.dispatch(cart.actions.added('then B'))
    await b.saver.flush()
    expect(payloadOf(storage.getItem('patchwire:app:v1:cart'))).toEqual({
      items: ['from A', 'then B'],
    })
  })

  it('overwrites without looking when crossTab is overwrite', async () => {
    const storage = createMemoryStorage()
    const a = makeStore({ storage, writerId: 'taba', crossTab: 'overwrite' })
    const b = makeStore({ storage, writerId: 'tabb', crossTab: 'overwrite' })
    await Promise.all([a.hydrated(), b.hydrated()])
    a.store.dispatch(cart.actions.added('from A'))
    await a.saver.flush()
    b.store.dispatch(cart.actions.added('from B'))
    await b.saver.flush()
    expect(payloadOf(storage.getItem('patchwire:app:v1:cart'))).toEqual({ items: ['from B'] })
  })

  it('keeps its own writes when the stored entry is the one it wrote last', async () => {
    const storage = createMemoryStorage()
    const a = makeStore({ storage, writerId: 'taba' })
    await a.hydrated()
    a.store.dispatch(cart.actions.added('one'))
    await a.saver.flush()
    a.store.dispatch(cart.actions.added('two'))
    await a.saver.flush()
    expect(payloadOf(storage.getItem('patchwire:app:v1:cart'))).toEqual({ items: ['one', 'two'] })
  })

  it('with notifyTabs, another tab adopts a write as soon as it is told, without writing', async () => {
    const shared = createMemoryStorage()
    const a = makeStore({ storage: shared, writerId: 'taba', notifyTabs: true })
    const counted = countingStorage(shared)
    const b = makeStore({ storage: counted.storage, writerId: 'tabb', notifyTabs: true })
    await Promise.all([a.hydrated(), b.hydrated()])
    a.store.dispatch(cart.actions.added('told'))
    await a.saver.flush()
    await until(() => b.store.getState().cart.items.length > 0)
    expect(b.store.getState().cart.items).toEqual(['told'])
    await b.saver.flush()
    expect(counted.sets).toEqual([])
  })

  it('writes its own change made after another tab’s write instead of adopting that older entry', async () => {
    const storage = createMemoryStorage()
    const wall = wallClock()
    const a = makeStore({ storage, writerId: 'taba', now: wall.now })
    const b = makeStore({ storage, writerId: 'tabb', now: wall.now })
    await Promise.all([a.hydrated(), b.hydrated()])
    wall.tick()
    a.store.dispatch(cart.actions.added('from A'))
    await a.saver.flush()
    wall.tick()
    b.store.dispatch(cart.actions.added('from B'))
    await b.saver.flush()
    expect(b.store.getState().cart.items).toEqual(['from B'])
    expect(payloadOf(storage.getItem('patchwire:app:v1:cart'))).toEqual({ items: ['from B'] })
  })

  it('keeps a key written by one tab listed when another tab adds its own key', async () => {
    const storage = createMemoryStorage()
    const a = makeStore({ storage, writerId: 'taba', allow: ['cart', 'settings'] })
    const b = makeStore({ storage, writerId: 'tabb', allow: ['cart', 'settings'] })
    await Promise.all([a.hydrated(), b.hydrated()])
    a.store.dispatch(cart.actions.added('from A'))
    b.store.dispatch(settings.actions.themeSet('dark'))
    await a.saver.flush()
    await b.saver.flush()
    const reloaded = makeStore({ storage, writerId: 'tabc', allow: ['cart', 'settings'] })
    await reloaded.hydrated()
    expect(reloaded.store.getState().cart.items).toEqual(['from A'])
    expect(reloaded.store.getState().settings.theme).toBe('dark')
  })

  it('a closing tab’s late flush of an older view does not revert an edit another tab made since', async () => {
    const storage = createMemoryStorage()
    const wall = wallClock()
    const tab = (writerId: string) =>
      makeStore({ storage, writerId, notifyTabs: true, now: wall.now })
    const [one, two, three] = [tab('tab1'), tab('tab2'), tab('tab3')]
    await Promise.all([one.hydrated(), two.hydrated(), three.hydrated()])
    wall.tick()
    one.store.dispatch(cart.actions.added('seen by tab 1'))
    wall.tick()
    two.store.dispatch(cart.actions.added('edit in tab 2'))
    wall.tick()
    // Tab 1 closes: its pagehide flush writes its view, older than tab 2's edit and tab 3's below.
    await one.saver.flush()
    wall.tick()
    three.store.dispatch(cart.actions.added('edit in tab 3'))
    // A later notice from tab 1 arrives after the first one, so tab 3 has handled both.
    one.store.dispatch(settings.actions.themeSet('dark'))
    await one.saver.flush()
    await until(() => three.store.getState().settings.theme === 'dark')
    expect(three.store.getState().cart.items).toEqual(['edit in tab 3'])
    await two.saver.flush()
    expect(two.store.getState().cart.items).toEqual(['edit in tab 2'])
    await three.saver.flush()
    expect(payloadOf(storage.getItem('patchwire:app:v1:cart'))).toEqual({
      items: ['edit in tab 3'],
    })
  })

  it('a closing tab does not write its older view over a newer entry', async () => {
    const storage = createMemoryStorage()
    const wall = wallClock()
    const one = makeStore({ storage, writerId: 'tab1', now: wall.now })
    const two = makeStore({ storage, writerId: 'tab2', now: wall.now })
    await Promise.all([one.hydrated(), two.hydrated()])
    wall.tick()
    one.store.dispatch(cart.actions.added('older in tab 1'))
    wall.tick()
    two.store.dispatch(cart.actions.added('newer in tab 2'))
    await two.saver.flush()
    wall.tick()
    await one.saver.flush()
    expect(payloadOf(storage.getItem('patchwire:app:v1:cart'))).toEqual({
      items: ['newer in tab 2'],
    })
  })
})
