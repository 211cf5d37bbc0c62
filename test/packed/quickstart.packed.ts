import { createRequire } from 'node:module'
import { configureStore, createSlice } from '@reduxjs/toolkit'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'

// Typed by the sources, loaded from the build: the package resolves itself through its exports map.
type Patchwire = typeof import('../../src/index')
const packageName = 'patchwire'

const AppState = z.object({
  todos: z.object({ items: z.array(z.object({ title: z.string().min(1) })) }),
})

/** The README quick start, run against one loaded copy of the package. */
function quickStart(
  pw: Patchwire,
  rtk: Pick<typeof import('@reduxjs/toolkit'), 'configureStore' | 'createSlice'>,
) {
  const todos = rtk.createSlice({
    name: 'todos',
    initialState: { items: [] as { title: string }[] },
    reducers: {},
  })
  const rejected: string[] = []
  const store = rtk.configureStore({
    // The status slice is mounted by withPatchwire itself.
    reducer: pw.withPatchwire({ todos: todos.reducer }, { schema: AppState }),
    middleware: (gDM) =>
      gDM().concat(pw.patchwireMiddleware({ onPatchRejected: (r) => rejected.push(r.reason) })),
  })
  store.dispatch(
    pw.applyPatch({
      changes: [
        { source: 'local', ops: [{ op: 'add', path: '/todos/items/-', value: { title: 'milk' } }] },
      ],
    }),
  )
  store.dispatch(
    pw.applyPatch({
      changes: [
        { source: 'local', ops: [{ op: 'add', path: '/todos/items/-', value: { title: '' } }] },
      ],
    }),
  )
  return { state: store.getState(), rejected }
}

describe('the packed build', () => {
  it('runs the README quick start through an ESM import of "patchwire"', async () => {
    const pw = (await import(/* @vite-ignore */ packageName)) as Patchwire
    const { state, rejected } = quickStart(pw, { configureStore, createSlice })
    expect(state.todos.items).toEqual([{ title: 'milk' }])
    expect(rejected).toEqual(['schema'])
    expect(state.patchwire.counters).toMatchObject({ applied: 1, rejected: 1 })
  })

  it('runs the README quick start through a CJS require of "patchwire"', () => {
    const require = createRequire(import.meta.url)
    const resolved = require.resolve(packageName)
    expect(resolved).toMatch(/dist[\\/]index\.cjs$/)
    const pw = require(packageName) as Patchwire
    const rtk = require('@reduxjs/toolkit') as typeof import('@reduxjs/toolkit')
    const { state, rejected } = quickStart(pw, rtk)
    expect(state.todos.items).toEqual([{ title: 'milk' }])
    expect(rejected).toEqual(['schema'])
  })

  it('exposes the subpath entries', () => {
    const require = createRequire(import.meta.url)
    const slices = require(`${packageName}/slices`) as { REJECTION_RING_SIZE: number }
    const middleware = require(`${packageName}/middleware`) as { patchwireMiddleware: unknown }
    expect(slices.REJECTION_RING_SIZE).toBeGreaterThan(0)
    expect(typeof middleware.patchwireMiddleware).toBe('function')
  })

  it('maps the public entry of the other test files to the same built module', async () => {
    const pw = (await import(/* @vite-ignore */ packageName)) as Patchwire
    const mapped = await import('../../src/index')
    expect(mapped.applyPatch).toBe(pw.applyPatch)
  })
})
