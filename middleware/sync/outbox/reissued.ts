import type { ConfirmedModel, VisibleStep } from '../confirmedModel'
import { decorateModel } from '../decorateModel'

/**
 * The model, dropping a change made again under a new id (`reissue`) as soon
 * as the relay's log shows the original id: the original was applied (its
 * acknowledgement was lost), so pushing the copy would apply it twice. The
 * join replays the log after the restored sequence before anything is
 * pushed, and a change saved as pending was applied, if at all, after the
 * sequence saved with it.
 *
 * @example
 * ```ts
 * const model = dropReissuedOnSight(inner, new Map([['old:4', 'tabs:x:1']]), dispatchSteps)
 * ```
 */
export function dropReissuedOnSight(
  model: ConfirmedModel,
  copies: Map<string, string>,
  apply: (steps: VisibleStep[]) => void,
): ConfirmedModel {
  if (copies.size === 0) return model
  return decorateModel(model, {
    offer(change) {
      const copy = copies.get(change.id)
      if (copy !== undefined) {
        copies.delete(change.id)
        const step = model.drop(copy)
        if (step) apply([step])
      }
      model.offer(change)
    },
    replace(id, next) {
      // A copy renumbered after the join ack keeps its link to the original id.
      for (const [original, copy] of copies) if (copy === id) copies.set(original, next.id)
      return model.replace(id, next)
    },
  })
}
