import type { ConfirmedModel } from '../confirmedModel'

/** What `watchModel` reports. */
export interface ModelWatcher {
  /** A relay change with this id was applied to the confirmed base at `seq`. */
  accepted(id: string, seq: number): void
  /** A pending change left the queue without a relay change (refused, or already held). */
  dropped(id: string): void
}

/**
 * The same model, reporting which pending changes leave the queue and why:
 * the only way to learn that the relay accepted a change whose ops the store
 * already shows (its visible step is empty, so nothing is dispatched).
 *
 * @example
 * ```ts
 * const model = watchModel(createConfirmedModel(paths, state), { accepted, dropped })
 * ```
 */
export function watchModel(model: ConfirmedModel, watcher: ModelWatcher): ConfirmedModel {
  return {
    get lastSeq() {
      return model.lastSeq
    },
    get base() {
      return model.base
    },
    get pending() {
      return model.pending
    },
    get shown() {
      return model.shown
    },
    addLocal: (change) => model.addLocal(change),
    offer: (change) => model.offer(change),
    drain() {
      const result = model.drain()
      for (const step of result.steps) {
        if (step.change) watcher.accepted(step.change.id, step.change.seq)
      }
      return result
    },
    gap: () => model.gap(),
    reset: (base, seq) => model.reset(base, seq),
    drop(id) {
      const step = model.drop(id)
      if (step) watcher.dropped(id)
      return step
    },
    has: (id) => model.has(id),
  }
}
