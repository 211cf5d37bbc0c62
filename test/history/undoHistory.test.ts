import { describe, expect, it } from 'vitest'
import { undoHistory } from '../../middleware/history/undoHistory'
import { applyPatch } from '../../src/actions'
import { isPatchwireError } from '../../src/errors'
import { board, makeHistoryStore, manualClock, note } from './helpers'

describe('undoHistory', () => {
  it('undo restores what the last own step changed', () => {
    const { store, undo } = makeHistoryStore()
    store.dispatch(board.actions.cardSet({ id: 'a', title: 'milk' }))
    const result = undo()
    expect(store.getState().board.cards).toEqual({})
    expect(result).toEqual({ done: true, applied: [['board', 'cards', 'a']], skipped: [] })
  })

  it('changes inside the grouping window form one step', () => {
    const clock = manualClock()
    const { store, undo } = makeHistoryStore({ now: clock.now, groupMs: 500 })
    store.dispatch(note.actions.typed('h'))
    clock.advance(100)
    store.dispatch(note.actions.typed('hi'))
    clock.advance(1_000)
    store.dispatch(note.actions.typed('hi!'))
    undo()
    expect(store.getState().note.text).toBe('hi')
    undo()
    expect(store.getState().note.text).toBe('')
  })

  it('redo takes an undo back', () => {
    const { store, undo, redo } = makeHistoryStore()
    store.dispatch(board.actions.cardSet({ id: 'a', title: 'milk' }))
    undo()
    redo()
    expect(store.getState().board.cards).toEqual({ a: { title: 'milk', done: false } })
  })

  it('a new own change clears the redo stack', () => {
    const clock = manualClock()
    const { store, history, undo, redo } = makeHistoryStore({ now: clock.now })
    store.dispatch(note.actions.typed('one'))
    undo()
    expect(history.depth()).toEqual({ undo: 0, redo: 1 })
    store.dispatch(note.actions.typed('two'))
    expect(history.depth()).toEqual({ undo: 1, redo: 0 })
    expect(redo().done).toBe(false)
    expect(store.getState().note.text).toBe('two')
  })

  it('the stacks keep at most limit steps', () => {
    const clock = manualClock()
    const { store, history } = makeHistoryStore({ now: clock.now, limit: 3 })
    for (const t of ['a', 'b', 'c', 'd', 'e']) {
      store.dispatch(note.actions.typed(t))
      clock.advance(1_000)
    }
    expect(history.depth().undo).toBe(3)
  })

  it('an array is restored as a whole', () => {
    const { store, undo } = makeHistoryStore()
    store.dispatch(board.actions.tagged('x'))
    expect(undo().applied).toEqual([['board', 'tags']])
    expect(store.getState().board.tags).toEqual([])
  })

  it('keys scope what is recorded', () => {
    const clock = manualClock()
    const { store, history, undo } = makeHistoryStore({ keys: ['note'], now: clock.now })
    store.dispatch(board.actions.cardSet({ id: 'a', title: 'milk' }))
    expect(history.depth().undo).toBe(0)
    store.dispatch(note.actions.typed('x'))
    undo()
    expect(store.getState().board.cards.a?.title).toBe('milk')
    expect(store.getState().note.text).toBe('')
  })

  it('the undo is an applyPatch with source local and the history marker', () => {
    const seen: unknown[] = []
    const { store, undo } = makeHistoryStore({}, [
      () => (next) => (action) => {
        seen.push(action)
        return next(action)
      },
    ])
    store.dispatch(note.actions.typed('x'))
    undo()
    const patch = seen.find((a) => applyPatch.match(a))
    expect(patch).toMatchObject({
      meta: { history: 'undo' },
      payload: {
        changes: [{ source: 'local', ops: [{ op: 'replace', path: ['note', 'text'], value: '' }] }],
      },
    })
  })

  it('a stream or sync change is not recorded as an own step', () => {
    const { store, history } = makeHistoryStore()
    store.dispatch(
      applyPatch({
        changes: [
          { source: 'sync', ops: [{ op: 'replace', path: ['note', 'text'], value: 'peer' }] },
        ],
      }),
    )
    expect(history.depth()).toEqual({ undo: 0, redo: 0 })
  })

  it('undo leaves a path that someone else wrote after the step', () => {
    const clock = manualClock()
    const { store, undo } = makeHistoryStore({ now: clock.now })
    store.dispatch(board.actions.cardSet({ id: 'a', title: 'milk' }))
    store.dispatch(note.actions.typed('mine'))
    store.dispatch(
      applyPatch({
        changes: [
          {
            source: 'sync',
            ops: [{ op: 'replace', path: ['board', 'cards', 'a', 'title'], value: 'oat milk' }],
          },
        ],
      }),
    )
    const result = undo()
    expect(result.skipped).toEqual([['board', 'cards', 'a']])
    expect(store.getState().board.cards.a?.title).toBe('oat milk')
    expect(store.getState().note.text).toBe('')
    expect(store.getState().patchwire.history).toEqual({
      canUndo: false,
      canRedo: true,
      skipped: 1,
    })
  })

  it('the status slice reports whether undo and redo are possible', () => {
    const { store, undo } = makeHistoryStore()
    store.dispatch(note.actions.typed('x'))
    expect(store.getState().patchwire.history).toEqual({
      canUndo: true,
      canRedo: false,
      skipped: 0,
    })
    undo()
    expect(store.getState().patchwire.history).toEqual({
      canUndo: false,
      canRedo: true,
      skipped: 0,
    })
  })

  it('clear forgets both stacks', () => {
    const clock = manualClock()
    const { store, history, undo } = makeHistoryStore({ now: clock.now })
    store.dispatch(note.actions.typed('one'))
    clock.advance(1_000)
    store.dispatch(note.actions.typed('two'))
    undo()
    history.clear()
    expect(history.depth()).toEqual({ undo: 0, redo: 0 })
    expect(store.getState().patchwire.history).toMatchObject({ canUndo: false, canRedo: false })
    expect(undo().done).toBe(false)
    expect(store.getState().note.text).toBe('one')
  })

  it('undo with nothing recorded does nothing', () => {
    const { store, undo } = makeHistoryStore()
    const before = store.getState()
    expect(undo()).toEqual({ done: false, applied: [], skipped: [] })
    expect(store.getState().board).toBe(before.board)
  })

  it('a bad option throws at setup naming the option', () => {
    const err = (() => {
      try {
        undoHistory({ groupMs: -1 })
      } catch (e) {
        return e
      }
    })()
    expect(isPatchwireError(err, 'option')).toBe(true)
    expect(String((err as Error).message)).toContain('groupMs')
    expect(() => undoHistory({ keys: [] })).toThrow(/keys/)
    expect(() => undoHistory({ limit: 0 })).toThrow(/limit/)
  })
})
