import type { Middleware } from '@reduxjs/toolkit'
import { applyPatch, type PatchRejectedPayload, patchRejected } from '../src/actions'
import { readSinkOutcome } from '../src/withPatchwire'

/** Options of `patchwireMiddleware`. */
export interface PatchwireMiddlewareOptions {
  /** Called for every refused change, whoever refused it (the sink, the relay, a middleware). */
  onPatchRejected?: (rejection: PatchRejectedPayload) => void
  /** Wall clock for the `at` stamps; inject one in tests. @defaultValue Date.now */
  now?: () => number
}

/**
 * The core middleware: stamps `applyPatch` actions with the time they were
 * dispatched and turns every change the sink refused into a visible
 * `patchwire/patchRejected` action, and calls `onPatchRejected`.
 *
 * Install it once, with `withPatchwire` as the root reducer.
 *
 * @example
 * ```ts
 * middleware: (gDM) => gDM().concat(patchwireMiddleware({ onPatchRejected: (r) => console.warn(r.reason) }))
 * ```
 */
export function patchwireMiddleware(options: PatchwireMiddlewareOptions = {}): Middleware {
  const now = options.now ?? Date.now
  return (api) => (next) => (action) => {
    if (patchRejected.match(action)) {
      const result = next(action)
      options.onPatchRejected?.(action.payload)
      return result
    }
    if (!applyPatch.match(action)) return next(action)
    // An action built by hand (a DevTools dispatch, a replayed log) may have no meta.
    const stamped =
      action.meta?.at === undefined ? { ...action, meta: { ...action.meta, at: now() } } : action
    const result = next(stamped)
    const outcome = readSinkOutcome(stamped)
    if (outcome) {
      for (const r of outcome.rejected) {
        api.dispatch(
          patchRejected({
            change: r.change,
            source: r.change?.source ?? 'local',
            reason: r.reason,
            issues: r.issues,
            stage: 'sink',
            at: stamped.meta.at ?? now(),
          }),
        )
      }
    }
    return result
  }
}
