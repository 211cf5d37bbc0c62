import { createAction } from '@reduxjs/toolkit'
import { PATCHWIRE_PREFIX } from './actions'
import type { Path } from './types'

// The creators are marked pure: a bundler keeps any call to an imported function
// unless told it has no side effects, and would keep every creator an app never uses.

/** What one `undo()` or `redo()` did, returned by `dispatch`. */
export interface HistoryResult {
  /** False when the stack was empty or the change was refused (by the schema). */
  done: boolean
  /** The paths restored. */
  applied: Path[]
  /** The paths left alone because someone else wrote them (or their parent is gone) since. */
  skipped: Path[]
}

/**
 * Undoes this client's last step (its own changes, never another client's):
 * the `undoHistory` middleware dispatches the inverse as an `applyPatch` with
 * source `'local'` and `meta.history: 'undo'`, so it syncs and persists like
 * any local change. `dispatch(undo())` returns a `HistoryResult`.
 *
 * @example
 * ```ts
 * const { skipped } = store.dispatch(undo()) as unknown as HistoryResult
 * ```
 */
export const undo = /* @__PURE__ */ createAction(`${PATCHWIRE_PREFIX}/history/undo`)

/**
 * Redoes the last undone step, skipping the paths someone else wrote since
 * the undo. A new local change clears what can be redone.
 *
 * @example
 * ```ts
 * store.dispatch(redo())
 * ```
 */
export const redo = /* @__PURE__ */ createAction(`${PATCHWIRE_PREFIX}/history/redo`)

export type UndoAction = ReturnType<typeof undo>
export type RedoAction = ReturnType<typeof redo>
