/** Waits for the end of the current coalescing window. */
export type WindowWaiter = () => Promise<void>

// Hidden browser tabs pause requestAnimationFrame; without this fallback a
// background tab would stop applying (and stop acknowledging) the stream.
const HIDDEN_TAB_FALLBACK_MS = 100

/**
 * Picks how long one batch collects chunks: `batchMs` when positive, else one
 * animation frame where `requestAnimationFrame` exists (so a batch matches a
 * render), else one macrotask (`setImmediate`, or `setTimeout(0)`).
 *
 * @example
 * ```ts
 * const endOfWindow = createWindowWaiter(0)
 * await endOfWindow() // one frame in a browser, one tick in Node
 * ```
 */
export function createWindowWaiter(batchMs: number): WindowWaiter {
  if (batchMs > 0) return () => new Promise((resolve) => setTimeout(resolve, batchMs))
  const g = globalThis as {
    requestAnimationFrame?: (cb: () => void) => unknown
    setImmediate?: (cb: () => void) => unknown
  }
  const raf = g.requestAnimationFrame
  if (typeof raf === 'function') {
    return () =>
      new Promise((resolve) => {
        const timer = setTimeout(resolve, HIDDEN_TAB_FALLBACK_MS)
        raf.call(globalThis, () => {
          clearTimeout(timer)
          resolve()
        })
      })
  }
  const immediate = g.setImmediate
  if (typeof immediate === 'function') {
    return () => new Promise((resolve) => immediate.call(globalThis, resolve))
  }
  return () => new Promise((resolve) => setTimeout(resolve, 0))
}
