import type { Action } from '@reduxjs/toolkit'
import { applyPatch } from './actions'

/** Options of `patchwireDevTools`. */
export interface PatchwireDevToolsOptions {
  /** Changes shown per `applyPatch` before the rest are summarised. @defaultValue 20 */
  maxChanges?: number
  /** Ops shown per change before the rest are summarised. @defaultValue 20 */
  maxOps?: number
  /** Extra action types to hide from the DevTools log. @defaultValue [] */
  deny?: string[]
}

/**
 * Sanitizes large `applyPatch` batches for display only: the store and the
 * recorded log keep every change; the DevTools panel shows the first ones and a count.
 */
export function sanitizePatchAction<A extends Action>(action: A, maxChanges = 20, maxOps = 20): A {
  // A hand-built action of another shape is shown as it is.
  if (!applyPatch.match(action) || !Array.isArray(action.payload?.changes)) return action
  const { changes } = action.payload
  const small = (c: (typeof changes)[number]) => !Array.isArray(c?.ops) || c.ops.length <= maxOps
  if (changes.length <= maxChanges && changes.every(small)) return action
  const shown = changes
    .slice(0, maxChanges)
    .map((c) =>
      small(c) ? c : { ...c, ops: c.ops.slice(0, maxOps), omittedOps: c.ops.length - maxOps },
    )
  return {
    ...action,
    payload: { changes: shown, omittedChanges: Math.max(0, changes.length - maxChanges) },
  }
}

/**
 * Presets for `configureStore({ devTools })`: an action sanitizer for large
 * batches and a deny-list of noisy types.
 *
 * @example
 * ```ts
 * configureStore({ reducer, devTools: patchwireDevTools({ deny: ['patchwire/syncStatus'] }) })
 * ```
 */
export function patchwireDevTools(options: PatchwireDevToolsOptions = {}): {
  actionSanitizer: <A extends Action>(action: A) => A
  actionsDenylist: string[]
} {
  const maxChanges = options.maxChanges ?? 20
  const maxOps = options.maxOps ?? 20
  return {
    actionSanitizer: (action) => sanitizePatchAction(action, maxChanges, maxOps),
    actionsDenylist: options.deny ?? [],
  }
}
