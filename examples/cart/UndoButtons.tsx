import { useUndo } from 'patchwire/react'
import { useEffect } from 'react'

/**
 * Undo and redo of this tab's own cart edits, as buttons and as Ctrl+Z /
 * Ctrl+Shift+Z (Cmd on macOS). A collaborator's later edit of the same item
 * is left alone. Keys typed in a field keep the field's own undo.
 */
export function UndoButtons() {
  const { canUndo, canRedo, undo, redo } = useUndo()
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.key.toLowerCase() !== 'z') return
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement) return
      e.preventDefault()
      if (e.shiftKey) redo()
      else undo()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [undo, redo])
  return (
    <span style={{ display: 'inline-flex', gap: 6 }}>
      <button type="button" data-testid="undo" disabled={!canUndo} onClick={() => undo()}>
        Undo
      </button>
      <button type="button" data-testid="redo" disabled={!canRedo} onClick={() => redo()}>
        Redo
      </button>
    </span>
  )
}
