import type { RelayLogEntry, RelayObserver } from './types'

type Events = Required<RelayObserver>

/** The one place the relay's parts report to; it passes each event to every observer added. */
export interface RelayObservers extends Events {
  /** Adds an observer; returns what removes it. */
  add(observer: RelayObserver): () => void
}

/**
 * Routes the relay's events to the observers added. The relay calls this one
 * router; nothing wraps the rooms, sockets or store to learn what happened.
 */
export function createRelayObservers(log: (entry: RelayLogEntry) => void): RelayObservers {
  const observers = new Set<RelayObserver>()
  const tell =
    <K extends keyof Events>(event: K) =>
    (...args: Parameters<Events[K]>): void => {
      for (const o of observers) {
        const handle = o[event] as ((...a: Parameters<Events[K]>) => void) | undefined
        if (!handle) continue
        try {
          handle.apply(o, args)
        } catch (err) {
          log({ level: 'error', msg: 'relay observer failed', event, error: String(err) })
        }
      }
    }
  return {
    add: (observer) => {
      observers.add(observer)
      return () => {
        observers.delete(observer)
      }
    },
    joined: tell('joined'),
    refused: tell('refused'),
    pushed: tell('pushed'),
    served: tell('served'),
    broadcast: tell('broadcast'),
    storeOperation: tell('storeOperation'),
    redone: tell('redone'),
    fenced: tell('fenced'),
  }
}
