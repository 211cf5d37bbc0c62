import type { RelaySocket } from '../../middleware/sync/types'

/**
 * Wraps a client socket so the relay's `change` events and `changes` frames wait while held and
 * arrive when released, after the answers to the requests made meanwhile:
 * what a relay node whose broadcasts come through Redis can do. Requests and
 * their answers pass untouched.
 */
export function lateChanges(real: RelaySocket) {
  let held = false
  const waiting: (() => void)[] = []
  const wrapped = new Map<unknown, (...args: unknown[]) => void>()
  const socket = new Proxy(real, {
    get(target, key, receiver) {
      if (key === 'on' || key === 'off') {
        return (event: string, fn: (...args: unknown[]) => void) => {
          let listener = fn
          if (event === 'change' || event === 'changes') {
            if (key === 'on') {
              listener = (...args: unknown[]) => {
                if (held) waiting.push(() => fn(...args))
                else fn(...args)
              }
              wrapped.set(fn, listener)
            } else listener = wrapped.get(fn) ?? fn
          }
          ;(target[key] as (e: string, f: unknown) => void).call(target, event, listener)
          return socket
        }
      }
      const value = Reflect.get(target, key, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return {
    socket,
    hold() {
      held = true
    },
    release() {
      held = false
      for (const deliver of waiting.splice(0)) deliver()
    },
  }
}
