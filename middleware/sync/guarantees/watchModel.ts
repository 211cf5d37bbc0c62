import type { ConfirmedModel } from '../confirmedModel'
import { decorateModel } from '../decorateModel'

/** What `watchModel` reports. */
export interface ModelWatcher {
  /** The relay accepted this id at `seq`: its change was applied to the confirmed base, or `B` already held it. */
  accepted(id: string, seq: number): void
  /** A pending change took a new id before it was pushed. */
  renamed(from: string, to: string): void
}

/**
 * The same model, reporting which pending changes leave the queue and why:
 * the only way to learn that the relay accepted a change whose ops the store
 * already shows (its visible step is empty, so nothing is dispatched).
 *
 * @example
 * ```ts
 * const model = watchModel(createConfirmedModel(paths, state), { accepted, renamed })
 * ```
 */
export function watchModel(model: ConfirmedModel, watcher: ModelWatcher): ConfirmedModel {
  return decorateModel(model, {
    drain() {
      const result = model.drain()
      // A relay change under a pending id that is not that change (another
      // process under the same client id) confirms nothing.
      for (const step of result.steps) {
        if (step.change && step.own) watcher.accepted(step.change.id, step.change.seq)
      }
      return result
    },
    held(id, seq) {
      const step = model.held(id, seq)
      if (step) watcher.accepted(id, seq)
      return step
    },
    replace(id, next) {
      const step = model.replace(id, next)
      if (step && next.id !== id) watcher.renamed(id, next.id)
      return step
    },
  })
}
