import { applyPatch } from '../../src/actions'
import { applyOps } from '../../src/applyOps'
import type { ChangeSource } from '../../src/types'
import { readSinkOutcome } from '../../src/withPatchwire'
import type { SyncController } from './syncController'

/**
 * Hands one dispatch's effect to the controller, deciding per change what is
 * pushed (DESIGN §2): a plain action is a local change; an `applyPatch` whose
 * changes all come from `pushSources` is one pushed change, one with none is
 * external. A mixed batch is replayed change by change on `from` (skipping
 * those the sink refused), so each pushable change is pushed on its own and
 * the others stay external.
 */
export function routeChanges(
  action: unknown,
  from: unknown,
  to: unknown,
  pushSources: ReadonlySet<ChangeSource>,
  controller: SyncController,
): void {
  // A hand-built action may carry no payload at all.
  const changes: unknown = applyPatch.match(action) ? action.payload?.changes : undefined
  const pushed = Array.isArray(changes) ? changes.map((c) => pushSources.has(c?.source)) : []
  if (!applyPatch.match(action) || (pushed.length > 0 && pushed.every(Boolean))) {
    controller.localChange(from, to)
    return
  }
  if (!Array.isArray(changes) || !pushed.some(Boolean)) {
    controller.externalChange(from, to)
    return
  }
  const refused = new Set(readSinkOutcome(action)?.rejected.map((r) => r.index))
  let state = from
  changes.forEach((change, i) => {
    if (refused.has(i)) return
    let after: unknown
    try {
      after = applyOps(state, change.ops)
    } catch {
      return // the sink refused it as well: it left no trace
    }
    if (pushed[i]) controller.localChange(state, after)
    else controller.externalChange(state, after)
    state = after
  })
}
