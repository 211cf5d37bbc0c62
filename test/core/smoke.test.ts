import { configureStore, createSlice } from '@reduxjs/toolkit'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  applyPatch,
  PATCHWIRE_KEY,
  patchwireMiddleware,
  patchwireReducer,
  withPatchwire,
} from '../../src/index'

const todos = createSlice({
  name: 'todos',
  initialState: { items: [] as { title: string }[] },
  reducers: {},
})
const Schema = z.object({
  todos: z.object({ items: z.array(z.object({ title: z.string().min(1) })) }),
})

describe('withPatchwire with a zod schema', () => {
  it('applies valid changes, refuses invalid ones, and counts both', () => {
    const rejected: string[] = []
    const store = configureStore({
      reducer: withPatchwire(
        { todos: todos.reducer, [PATCHWIRE_KEY]: patchwireReducer },
        { schema: Schema },
      ),
      middleware: (gDM) =>
        gDM().concat(patchwireMiddleware({ onPatchRejected: (r) => rejected.push(r.reason) })),
    })
    store.dispatch(
      applyPatch({
        changes: [
          { source: 'stream', ops: [{ op: 'add', path: '/todos/items/-', value: { title: 'a' } }] },
          {
            source: 'stream',
            ops: [{ op: 'add', path: ['todos', 'items', '-'], value: { title: '' } }],
          },
          { source: 'sync', ops: [{ op: 'add', path: ['todos', '__proto__', 'x'], value: 1 }] },
          {
            source: 'stream',
            ops: [{ op: 'add', path: ['todos', 'items', '-'], value: { title: 'b' } }],
          },
        ],
      }),
    )
    expect(store.getState().todos.items).toEqual([{ title: 'a' }, { title: 'b' }])
    expect(rejected).toEqual(['schema', 'forbidden_path'])
    expect(store.getState().patchwire.counters).toMatchObject({ applied: 2, rejected: 2 })
  })
})
