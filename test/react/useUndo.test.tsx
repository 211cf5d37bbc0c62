import { renderToString } from 'react-dom/server'
import { Provider } from 'react-redux'
import { describe, expect, it } from 'vitest'
import { type UndoControls, useUndo } from '../../src/react/index'
import { makeHistoryStore, note } from '../history/helpers'

function render(store: ReturnType<typeof makeHistoryStore>['store']): UndoControls {
  let controls: UndoControls | undefined
  function Probe() {
    controls = useUndo()
    return null
  }
  renderToString(
    <Provider store={store}>
      <Probe />
    </Provider>,
  )
  if (!controls) throw new Error('not rendered')
  return controls
}

describe('useUndo', () => {
  it('reads that nothing can be undone before any own change', () => {
    const { store } = makeHistoryStore()
    expect(render(store)).toMatchObject({ canUndo: false, canRedo: false })
  })

  it('undo from the hook undoes the last own change and then reads canRedo', () => {
    const { store } = makeHistoryStore()
    store.dispatch(note.actions.typed('hello'))
    expect(render(store).canUndo).toBe(true)
    const result = render(store).undo()
    expect(result.done).toBe(true)
    expect(store.getState().note.text).toBe('')
    expect(render(store)).toMatchObject({ canUndo: false, canRedo: true })
  })
})
