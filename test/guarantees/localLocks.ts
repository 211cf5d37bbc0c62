import type { TabLocks } from '../../middleware/sync/types'

interface Waiter {
  hold: () => Promise<unknown>
  resolve: (value: unknown) => void
  reject: (reason: unknown) => void
}

/**
 * An in-process stand-in for the Web Locks API (`navigator.locks`): one
 * holder per name, waiters granted in request order, a waiter removed when
 * its signal aborts. Stores in one Node process act as tabs of one browser.
 */
export function createLocalLocks(): TabLocks {
  const queues = new Map<string, Waiter[]>()
  const held = new Set<string>()
  const pump = (name: string) => {
    if (held.has(name)) return
    const next = queues.get(name)?.shift()
    if (!next) return
    held.add(name)
    Promise.resolve()
      .then(next.hold)
      .then(next.resolve, next.reject)
      .finally(() => {
        held.delete(name)
        pump(name)
      })
  }
  return {
    request(name, options, hold) {
      return new Promise((resolve, reject) => {
        const waiter: Waiter = { hold, resolve, reject }
        const queue = queues.get(name) ?? []
        queues.set(name, queue)
        queue.push(waiter)
        options.signal?.addEventListener('abort', () => {
          const at = queue.indexOf(waiter)
          if (at < 0) return
          queue.splice(at, 1)
          reject(options.signal?.reason)
        })
        pump(name)
      })
    },
  }
}
