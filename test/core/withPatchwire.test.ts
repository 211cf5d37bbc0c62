import { configureStore, createSlice } from '@reduxjs/toolkit'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { z } from 'zod'
import {
  applyPatch,
  PATCHWIRE_KEY,
  PatchwireError,
  type PatchwireStatusState,
  patchwireMiddleware,
  patchwireReducer,
  selectCounters,
  withPatchwire,
} from '../../src/index'

const todos = createSlice({
  name: 'todos',
  initialState: { items: [] as string[] },
  reducers: {},
})
const Schema = z.object({ todos: z.object({ items: z.array(z.string().min(1)) }) })
const add = (value: string) =>
  applyPatch({
    changes: [{ source: 'local', ops: [{ op: 'add', path: '/todos/items/-', value }] }],
  })

describe('withPatchwire given a reducer map', () => {
  it('mounts the status slice itself, so the store counts applied and refused changes', () => {
    const store = configureStore({
      reducer: withPatchwire({ todos: todos.reducer }, { schema: Schema }),
      middleware: (gDM) => gDM().concat(patchwireMiddleware()),
    })
    store.dispatch(add('milk'))
    store.dispatch(add(''))
    expect(store.getState().todos.items).toEqual(['milk'])
    expect(selectCounters(store.getState())).toMatchObject({ applied: 1, rejected: 1 })
    expectTypeOf(store.getState().patchwire).toEqualTypeOf<PatchwireStatusState>()
  })

  it('still accepts the status slice listed by hand under its key', () => {
    const store = configureStore({
      reducer: withPatchwire({ todos: todos.reducer, [PATCHWIRE_KEY]: patchwireReducer }),
    })
    store.dispatch(add('milk'))
    expect(selectCounters(store.getState()).applied).toBe(1)
  })

  it('mounts the status slice under a custom statusKey', () => {
    const store = configureStore({
      reducer: withPatchwire({ todos: todos.reducer }, { statusKey: 'status' }),
    })
    store.dispatch(add('milk'))
    expect(store.getState().status.counters.applied).toBe(1)
    expect(store.getState()).not.toHaveProperty('patchwire')
  })

  it('throws at setup, naming the option, when another reducer sits under the status key', () => {
    let error: unknown
    try {
      withPatchwire({ todos: todos.reducer, [PATCHWIRE_KEY]: (s: number = 0) => s })
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(PatchwireError)
    expect((error as PatchwireError<'option'>).details.option).toBe('reducer.patchwire')
    expect((error as Error).message).toMatch(/leave it out \(it is mounted for you\)/)
  })

  it('leaves a hand-written root reducer as it is: no status slice is added', () => {
    const root = (s: { n: number } = { n: 0 }) => s
    const store = configureStore({ reducer: withPatchwire(root) })
    expect(store.getState()).toEqual({ n: 0 })
  })
})
