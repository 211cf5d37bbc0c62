/** The part of a Redux store a Suspense wait needs. */
export interface WaitableStore {
  getState(): unknown
  subscribe(listener: () => void): () => void
}

// Per store (the object react-redux's Provider holds), the wait in progress
// per gate. Suspense re-renders a suspended component whenever it likes
// (StrictMode, a sibling's update, a retry) and each render throws again: it
// must throw the same promise, or React would wait on a new one every time.
const waits = new WeakMap<object, Map<string, Promise<void>>>()

/**
 * A promise that resolves on the first store update after which `waiting()`
 * is false, shared by every caller with the same store and `key` while it is
 * pending. It leaves the cache as it resolves: a promise thrown to Suspense
 * is always still pending, since an already settled one would make React
 * render, be thrown it again and loop.
 */
export function waitForStore(
  store: WaitableStore,
  key: string,
  waiting: () => boolean,
): Promise<void> {
  let byKey = waits.get(store)
  if (!byKey) {
    byKey = new Map()
    waits.set(store, byKey)
  }
  const pending = byKey.get(key)
  if (pending) return pending
  const gates = byKey
  const promise = new Promise<void>((resolve) => {
    const unsubscribe = store.subscribe(() => {
      if (waiting()) return
      unsubscribe()
      gates.delete(key)
      resolve()
    })
  })
  gates.set(key, promise)
  return promise
}
