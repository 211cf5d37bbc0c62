import { useCallback } from 'react'
import { useDispatch, useSelector } from 'react-redux'
import { type HistoryResult, redo, undo } from '../historyActions'
import { selectStatus } from './statusHooks'

/** What `useUndo` returns. */
export interface UndoControls {
  /** True when this client has an own step to undo. */
  canUndo: boolean
  /** True when an undone step can be redone. */
  canRedo: boolean
  /** Dispatches `undo()`; returns what it restored and skipped. */
  undo: () => HistoryResult
  /** Dispatches `redo()`. */
  redo: () => HistoryResult
}

/**
 * Undo and redo of this client's own changes, for buttons and shortcuts.
 * Needs the `undoHistory` middleware in the store; re-renders when what can
 * be undone or redone changes.
 *
 * @example
 * ```tsx
 * const { canUndo, undo } = useUndo()
 * return <button type="button" disabled={!canUndo} onClick={undo}>Undo</button>
 * ```
 */
export function useUndo(): UndoControls {
  const dispatch = useDispatch()
  const canUndo = useSelector((s: unknown) => selectStatus(s)?.history?.canUndo === true)
  const canRedo = useSelector((s: unknown) => selectStatus(s)?.history?.canRedo === true)
  const doUndo = useCallback(() => dispatch(undo()) as unknown as HistoryResult, [dispatch])
  const doRedo = useCallback(() => dispatch(redo()) as unknown as HistoryResult, [dispatch])
  return { canUndo, canRedo, undo: doUndo, redo: doRedo }
}
