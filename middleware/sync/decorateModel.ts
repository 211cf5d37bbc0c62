import type { ConfirmedModel } from './confirmedModel'

/** The methods of a confirmed model that a decorator may take over. */
export type ModelMethods = Omit<
  ConfirmedModel,
  'lastSeq' | 'base' | 'pending' | 'shown' | 'pendingPaths'
>

/**
 * A confirmed model that behaves as `model` except for the methods given in
 * `overrides`: the state (`lastSeq`, `base`, `pending`, `shown`,
 * `pendingPaths`) is always
 * read from `model`. The one way the sync layers watch or adjust a model, so a
 * method added to `ConfirmedModel` is forwarded everywhere at once.
 *
 * @example
 * ```ts
 * const watched = decorateModel(model, { drop: (id) => (seen.push(id), model.drop(id)) })
 * ```
 */
export function decorateModel(
  model: ConfirmedModel,
  overrides: Partial<ModelMethods>,
): ConfirmedModel {
  const forwarded: ModelMethods = {
    addLocal: (change) => model.addLocal(change),
    offer: (change) => model.offer(change),
    drain: () => model.drain(),
    gap: () => model.gap(),
    reset: (base, seq) => model.reset(base, seq),
    drop: (id) => model.drop(id),
    held: (id, seq) => model.held(id, seq),
    replace: (id, next) => model.replace(id, next),
    has: (id) => model.has(id),
  }
  return Object.assign(
    {
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
      get pendingPaths() {
        return model.pendingPaths
      },
    },
    forwarded,
    overrides,
  )
}
