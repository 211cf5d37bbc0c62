import { afterEach, describe, expect, it, vi } from 'vitest'
import { createWindowWaiter } from '../../middleware/stream/coalesce'

const g = globalThis as { requestAnimationFrame?: (cb: () => void) => unknown }

afterEach(() => {
  delete g.requestAnimationFrame
  vi.useRealTimers()
})

describe('createWindowWaiter', () => {
  it('ends a window on the next animation frame where requestAnimationFrame exists', async () => {
    const frames: (() => void)[] = []
    g.requestAnimationFrame = (cb) => frames.push(cb)
    let ended = false
    const window = createWindowWaiter(0)().then(() => {
      ended = true
    })
    await Promise.resolve()
    expect(frames).toHaveLength(1)
    expect(ended).toBe(false)
    frames[0]?.()
    await window
    expect(ended).toBe(true)
  })

  it('still ends a window when frames stop, as in a hidden tab', async () => {
    vi.useFakeTimers()
    g.requestAnimationFrame = () => 0
    const window = createWindowWaiter(0)()
    vi.advanceTimersByTime(100)
    await expect(window).resolves.toBeUndefined()
  })

  it('waits batchMs when it is set, whatever the environment', async () => {
    vi.useFakeTimers()
    let ended = false
    const window = createWindowWaiter(50)().then(() => {
      ended = true
    })
    vi.advanceTimersByTime(49)
    await Promise.resolve()
    expect(ended).toBe(false)
    vi.advanceTimersByTime(1)
    await window
    expect(ended).toBe(true)
  })

  it('ends a window after one macrotask in Node', async () => {
    let ended = false
    const window = createWindowWaiter(0)().then(() => {
      ended = true
    })
    await Promise.resolve()
    await Promise.resolve()
    expect(ended).toBe(false)
    await new Promise((resolve) => setImmediate(resolve))
    await window
    expect(ended).toBe(true)
  })
})
