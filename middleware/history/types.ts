import type { Middleware } from '@reduxjs/toolkit'
import type { Path } from '../../src/types'

/** Options of `undoHistory`. */
export interface UndoHistoryOptions {
  /**
   * The state keys (top-level keys or dotted paths) whose changes are recorded.
   * @defaultValue every key but the status slice
   */
  keys?: readonly string[]
  /** Own changes less than this many ms apart form one undo step. @defaultValue 500 */
  groupMs?: number
  /** Steps kept on each stack; the oldest are dropped beyond it. @defaultValue 100 */
  limit?: number
  /** Where the status slice is mounted. @defaultValue 'patchwire' */
  statusKey?: string
  /** Wall clock for grouping; inject one in tests. @defaultValue Date.now */
  now?: () => number
}

/** `UndoHistoryOptions` with every default filled in, resolved once at creation. */
export interface ResolvedHistoryOptions {
  keys: readonly (readonly string[])[] | undefined
  groupMs: number
  limit: number
  statusKey: string
  now: () => number
}

/** One path an undo step restores: what it held before the step (or that it did not exist). */
export interface StepEntry {
  path: Path
  /** False when the path did not exist before the step. */
  had: boolean
  before?: unknown
  /** The write clock tick of the step's last write to this path. */
  tick: number
}

/** One undo (or redo) step: the paths it restores. */
export interface HistoryStep {
  entries: StepEntry[]
  /** Wall-clock ms of the step's last change, for grouping. */
  at: number
}

/** The undo history of one store, as `undoHistory` returns it. */
export interface UndoHistory {
  /** Install it once, in one store: `middleware: (gDM) => gDM().concat(history.middleware)`. */
  readonly middleware: Middleware
  /** Forgets both stacks (after a sign-out, say). */
  clear(): void
  /** Steps that can be undone and redone now. */
  depth(): { undo: number; redo: number }
}
