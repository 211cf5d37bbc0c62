import { describe, expect, it } from 'vitest'
import { persist } from '../../middleware/persist/persist'
import { createMemoryStorage } from '../../middleware/persist/storages/memoryStorage'
import { getStoreHub } from '../../middleware/storeHub'
import { board, makeHistoryStore, manualClock, note } from './helpers'

async function reloadable() {
  const storage = createMemoryStorage()
  const open = async () => {
    const clock = manualClock()
    const saver = persist({ storage, key: 'app', debounceMs: 5 })
    const made = makeHistoryStore({ now: clock.now }, [saver.middleware])
    await getStoreHub(made.store).whenHydrated()
    return { ...made, clock, saver }
  }
  return { storage, open }
}

describe('undo history with persist', () => {
  it('a reload keeps the undo stack and undo restores the state before the step', async () => {
    const app = await reloadable()
    const first = await app.open()
    first.store.dispatch(note.actions.typed('draft'))
    first.clock.advance(1_000)
    first.store.dispatch(board.actions.cardSet({ id: 'a', title: 'milk' }))
    await first.saver.stop()

    const second = await app.open()
    expect(second.store.getState().note.text).toBe('draft')
    expect(second.history.depth()).toEqual({ undo: 2, redo: 0 })
    second.undo()
    expect(second.store.getState().board.cards).toEqual({})
    second.undo()
    expect(second.store.getState().note.text).toBe('')
  })

  it('a reload keeps the redo stack', async () => {
    const app = await reloadable()
    const first = await app.open()
    first.store.dispatch(note.actions.typed('draft'))
    first.undo()
    await first.saver.stop()

    const second = await app.open()
    expect(second.store.getState().note.text).toBe('')
    expect(second.store.getState().patchwire.history).toEqual({
      canUndo: false,
      canRedo: true,
      skipped: 0,
    })
    second.redo()
    expect(second.store.getState().note.text).toBe('draft')
  })
})
