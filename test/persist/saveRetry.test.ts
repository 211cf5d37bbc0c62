import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { SAVE_RETRY } from '../../middleware/persist/saveRetry'
import { persistStatusChanged, syncStatusChanged } from '../../slices/patchwireSlice'
import { createMemoryStorage, type PersistStorage } from '../../src/index'
import { cart, makeStore } from './helpers'

/** A storage that is full: every setItem throws QuotaExceededError and is counted. */
function fullStorage() {
  const inner = createMemoryStorage()
  const calls = { setItem: 0 }
  const storage: PersistStorage = {
    getItem: inner.getItem,
    setItem: () => {
      calls.setItem++
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError')
    },
    removeItem: inner.removeItem,
  }
  return { storage, calls }
}

const TEN_MINUTES = 600_000

describe('persist: retrying a failed write', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('retries a full storage on a bounded back-off while the app is idle, not in a loop', async () => {
    const { storage, calls } = fullStorage()
    const { store, hydrated } = makeStore({ storage, debounceMs: 250 })
    await hydrated()
    store.dispatch(cart.actions.added('a'))
    await vi.advanceTimersByTimeAsync(TEN_MINUTES)
    // The debounced write, then one per retry; each pass fails at its first setItem.
    expect(calls.setItem).toBe(1 + SAVE_RETRY.attempts)
  })

  it('never writes again because of a status action', async () => {
    const { storage, calls } = fullStorage()
    const { store, hydrated } = makeStore({ storage, debounceMs: 250 })
    await hydrated()
    store.dispatch(cart.actions.added('a'))
    await vi.advanceTimersByTimeAsync(TEN_MINUTES)
    const before = calls.setItem
    store.dispatch(persistStatusChanged({ key: 'app', state: 'error', lastError: 'x' }))
    store.dispatch(syncStatusChanged({ room: 'r', pending: 1 }))
    store.dispatch({ type: 'unrelated' })
    await vi.advanceTimersByTimeAsync(TEN_MINUTES)
    expect(calls.setItem).toBe(before)
  })

  it('retries with the next real change after the back-off gave up', async () => {
    const { storage, calls } = fullStorage()
    const { store, hydrated } = makeStore({ storage, debounceMs: 250 })
    await hydrated()
    store.dispatch(cart.actions.added('a'))
    await vi.advanceTimersByTimeAsync(TEN_MINUTES)
    const before = calls.setItem
    store.dispatch(cart.actions.added('b'))
    await vi.advanceTimersByTimeAsync(250)
    expect(calls.setItem).toBe(before + 1)
  })
})
