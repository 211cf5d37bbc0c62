import { type Action, configureStore, createSlice, type Middleware } from '@reduxjs/toolkit'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { z } from 'zod'
import {
  applyPatch,
  type ChangeInput,
  PATCHWIRE_KEY,
  type PatchRejectedPayload,
  patchRejected,
  patchwireMiddleware,
  patchwireReducer,
  withPatchwire,
} from '../../src/index'

const entities = createSlice({
  name: 'entities',
  initialState: {
    byId: { a: { name: 'A', qty: 1 } } as Record<string, { name: string; qty: number }>,
    order: ['a'] as string[],
  },
  reducers: {},
})
const settings = createSlice({
  name: 'settings',
  initialState: { theme: 'dark' },
  reducers: {},
})

const Schema = z.object({
  entities: z.object({
    byId: z.record(z.string(), z.object({ name: z.string().min(1), qty: z.number().int() })),
    order: z.array(z.string()),
  }),
  settings: z.object({ theme: z.enum(['dark', 'light']) }),
})

function makeStore() {
  const rejections: PatchRejectedPayload[] = []
  const seen: Action[] = []
  const recorder: Middleware = () => (next) => (action) => {
    seen.push(action as Action)
    return next(action)
  }
  const store = configureStore({
    reducer: withPatchwire(
      { entities: entities.reducer, settings: settings.reducer, [PATCHWIRE_KEY]: patchwireReducer },
      { schema: Schema },
    ),
    middleware: (gDM) =>
      gDM().concat(recorder, patchwireMiddleware({ onPatchRejected: (r) => rejections.push(r) })),
  })
  return { store, rejections, seen }
}

afterEach(() => {
  vi.restoreAllMocks()
})

/** Dispatches one change and returns what happened, asserting nothing escaped dispatch. */
function send(change: unknown) {
  const ctx = makeStore()
  const before = ctx.store.getState()
  // Bad values (functions, cycles) also trip RTK's own dev-mode serializable check; that warning is expected here.
  vi.spyOn(console, 'error').mockImplementation(() => {})
  expect(() => ctx.store.dispatch(applyPatch({ changes: [change as ChangeInput] }))).not.toThrow()
  const after = ctx.store.getState()
  return { ...ctx, before, after }
}

function expectRefused(change: unknown, code: string) {
  const { before, after, rejections, seen } = send(change)
  expect(after.entities).toBe(before.entities)
  expect(after.settings).toBe(before.settings)
  expect(rejections.map((r) => r.reason)).toEqual([code])
  expect(seen.filter((a) => patchRejected.match(a))).toHaveLength(1)
  expect(after.patchwire.counters.rejected).toBe(1)
  expect(after.patchwire.counters.applied).toBe(0)
}

const op = (o: Record<string, unknown>): ChangeInput =>
  ({ source: 'sync', ops: [o] }) as unknown as ChangeInput

describe('the sink applies valid changes', () => {
  it('a valid change is committed and counted as applied', () => {
    const { after, rejections } = send(
      op({ op: 'add', path: ['entities', 'byId', 'b'], value: { name: 'B', qty: 2 } }),
    )
    expect(after.entities.byId.b).toEqual({ name: 'B', qty: 2 })
    expect(after.patchwire.counters.applied).toBe(1)
    expect(rejections).toEqual([])
  })

  it('a JSON Pointer path is normalised to segments in the dispatched action', () => {
    const action = applyPatch({
      changes: [{ source: 'local', ops: [{ op: 'remove', path: '/entities/byId/a' }] }],
    })
    expect(action.payload.changes[0]?.ops[0]?.path).toEqual(['entities', 'byId', 'a'])
  })

  it('keeps the identity of slices a change did not touch', () => {
    const { before, after } = send(
      op({ op: 'replace', path: ['entities', 'byId', 'a', 'qty'], value: 5 }),
    )
    expect(after.settings).toBe(before.settings)
    expect(after.entities.order).toBe(before.entities.order)
  })

  it('a batch keeps every change and its metadata in order', () => {
    const changes: ChangeInput[] = [
      { source: 'sync', id: 'n1:1', seq: 1, room: 'r', origin: 'n1', ts: 't1', ops: [] },
      { source: 'stream', ops: [] },
      { source: 'persist', id: 'x', ops: [] },
    ]
    expect(applyPatch({ changes }).payload.changes).toEqual(changes)
  })

  it('a change with several ops applies them all', () => {
    const { after } = send({
      source: 'local',
      ops: [
        { op: 'add', path: ['entities', 'byId', 'b'], value: { name: 'B', qty: 2 } },
        { op: 'add', path: ['entities', 'order', '-'], value: 'b' },
      ],
    })
    expect(after.entities.order).toEqual(['a', 'b'])
  })
})

describe('the sink refuses bad input, reports it and never throws out of dispatch', () => {
  for (const segment of ['__proto__', 'constructor', 'prototype']) {
    it(`"${segment}" as the first segment is forbidden_path`, () => {
      expectRefused(op({ op: 'add', path: [segment, 'x'], value: 1 }), 'forbidden_path')
    })
    it(`"${segment}" as a middle segment is forbidden_path`, () => {
      expectRefused(op({ op: 'add', path: ['entities', segment, 'x'], value: 1 }), 'forbidden_path')
    })
    it(`"${segment}" as the last segment is forbidden_path`, () => {
      expectRefused(
        op({ op: 'add', path: ['entities', 'byId', segment], value: 1 }),
        'forbidden_path',
      )
    })
    it(`"${segment}" as a key inside a value is forbidden_path`, () => {
      const value = JSON.parse(`{"name": "B", "qty": 1, "${segment}": {"x": 1}}`)
      expectRefused(op({ op: 'add', path: ['entities', 'byId', 'b'], value }), 'forbidden_path')
    })
  }

  it('a path that is neither an array nor a string is invalid_path', () => {
    expectRefused(op({ op: 'add', path: 42, value: 1 }), 'invalid_path')
  })

  it('a JSON Pointer without a leading slash is invalid_path', () => {
    expectRefused(op({ op: 'add', path: 'entities/byId/b', value: 1 }), 'invalid_path')
  })

  it('a non-integer segment is invalid_path', () => {
    expectRefused(
      op({ op: 'replace', path: ['entities', 'order', 0.5], value: 'x' }),
      'invalid_path',
    )
  })

  it('a negative segment is invalid_path', () => {
    expectRefused(
      op({ op: 'replace', path: ['entities', 'order', -1], value: 'x' }),
      'invalid_path',
    )
  })

  it('an unknown op is invalid_op', () => {
    expectRefused(op({ op: 'copy', path: ['entities', 'order'], from: ['settings'] }), 'invalid_op')
  })

  it('remove of a missing key is missing_path', () => {
    expectRefused(op({ op: 'remove', path: ['entities', 'byId', 'zz'] }), 'missing_path')
  })

  it('replace past the end of an array is index_out_of_range', () => {
    expectRefused(
      op({ op: 'replace', path: ['entities', 'order', 1], value: 'x' }),
      'index_out_of_range',
    )
  })

  it('remove past the end of an array is index_out_of_range', () => {
    expectRefused(op({ op: 'remove', path: ['entities', 'order', 5] }), 'index_out_of_range')
  })

  it('add beyond the length of an array is index_out_of_range', () => {
    expectRefused(
      op({ op: 'add', path: ['entities', 'order', 2], value: 'x' }),
      'index_out_of_range',
    )
  })

  it('a value that breaks the schema is refused as schema with the issue path', () => {
    const { rejections } = send(
      op({ op: 'replace', path: ['entities', 'byId', 'a', 'qty'], value: 1.5 }),
    )
    expect(rejections[0]?.reason).toBe('schema')
    expect(rejections[0]?.issues[0]?.path).toEqual(['entities', 'byId', 'a', 'qty'])
  })

  it('a value that breaks the schema leaves state as it was', () => {
    expectRefused(op({ op: 'replace', path: ['settings', 'theme'], value: 'pink' }), 'schema')
  })

  it('a function value is invalid_value', () => {
    expectRefused(
      op({ op: 'replace', path: ['settings', 'theme'], value: () => 'dark' }),
      'invalid_value',
    )
  })

  it('a class instance value is invalid_value', () => {
    class Theme {
      name = 'dark'
    }
    expectRefused(
      op({ op: 'replace', path: ['settings', 'theme'], value: new Theme() }),
      'invalid_value',
    )
  })

  it('a Map value is invalid_value', () => {
    expectRefused(
      op({ op: 'replace', path: ['settings', 'theme'], value: new Map() }),
      'invalid_value',
    )
  })

  it('a NaN value is invalid_value', () => {
    expectRefused(
      op({ op: 'replace', path: ['entities', 'byId', 'a', 'qty'], value: Number.NaN }),
      'invalid_value',
    )
  })

  it('a cyclic value is invalid_value', () => {
    const value: Record<string, unknown> = { name: 'C', qty: 1 }
    value.self = value
    expectRefused(op({ op: 'add', path: ['entities', 'byId', 'c'], value }), 'invalid_value')
  })

  it('a change without ops is invalid_change', () => {
    expectRefused({ source: 'sync' }, 'invalid_change')
  })

  it('a change with an unknown source is invalid_change', () => {
    expectRefused({ source: 'carrier-pigeon', ops: [] }, 'invalid_change')
  })

  it('a change that is not an object is invalid_change', () => {
    expectRefused('replace everything', 'invalid_change')
  })

  it('a change that replaces the whole state is forbidden_path', () => {
    expectRefused(op({ op: 'replace', path: [], value: {} }), 'forbidden_path')
  })

  it('a change whose second op fails leaves the state of the first op uncommitted', () => {
    expectRefused(
      {
        source: 'sync',
        ops: [
          { op: 'replace', path: ['settings', 'theme'], value: 'light' },
          { op: 'remove', path: ['entities', 'byId', 'missing'] },
        ],
      },
      'missing_path',
    )
  })
})

describe('a batch with one invalid change', () => {
  const batch: ChangeInput[] = [
    {
      source: 'stream',
      id: 'c1',
      ops: [{ op: 'add', path: ['entities', 'order', '-'], value: 'b' }],
    },
    {
      source: 'stream',
      id: 'c2',
      ops: [{ op: 'add', path: ['entities', 'order', '-'], value: 'c' }],
    },
    { source: 'sync', id: 'c3', ops: [{ op: 'add', path: ['entities', 'order', '-'], value: 7 }] },
    {
      source: 'stream',
      id: 'c4',
      ops: [{ op: 'add', path: ['entities', 'order', '-'], value: 'd' }],
    },
  ]

  it('applies the first, second and fourth changes', () => {
    const { store } = makeStore()
    store.dispatch(applyPatch({ changes: batch }))
    expect(store.getState().entities.order).toEqual(['a', 'b', 'c', 'd'])
  })

  it('rejects only the third change, with its own metadata', () => {
    const { store, rejections } = makeStore()
    store.dispatch(applyPatch({ changes: batch }))
    expect(rejections).toHaveLength(1)
    expect(rejections[0]).toMatchObject({ reason: 'schema', source: 'sync', stage: 'sink' })
    expect(rejections[0]?.change.id).toBe('c3')
  })

  it('counts three applied and one rejected', () => {
    const { store } = makeStore()
    store.dispatch(applyPatch({ changes: batch }))
    expect(store.getState().patchwire.counters).toMatchObject({ applied: 3, rejected: 1 })
  })
})

describe('the status key', () => {
  it('a patch to the status slice is refused as forbidden_path', () => {
    expectRefused(
      op({ op: 'replace', path: ['patchwire', 'counters', 'applied'], value: 99 }),
      'forbidden_path',
    )
  })

  it('a custom statusKey is protected the same way', () => {
    const rejected: string[] = []
    const store = configureStore({
      reducer: withPatchwire(
        { settings: settings.reducer, status: patchwireReducer },
        { statusKey: 'status' },
      ),
      middleware: (gDM) =>
        gDM().concat(patchwireMiddleware({ onPatchRejected: (r) => rejected.push(r.reason) })),
    })
    store.dispatch(
      applyPatch({
        changes: [op({ op: 'replace', path: ['status', 'recentRejections'], value: [] })],
      }),
    )
    expect(rejected).toEqual(['forbidden_path'])
  })
})

describe('withPatchwire with other reducer shapes', () => {
  it('wraps a hand-written root reducer', () => {
    type S = { count: number }
    const root = (state: S = { count: 0 }, action: Action) =>
      action.type === 'inc' ? { count: state.count + 1 } : state
    const store = configureStore({ reducer: withPatchwire(root) })
    store.dispatch(applyPatch({ changes: [op({ op: 'replace', path: ['count'], value: 5 })] }))
    store.dispatch({ type: 'inc' })
    expect(store.getState().count).toBe(6)
  })

  it('lets slices react to applyPatch after the sink applied it', () => {
    const audit = createSlice({
      name: 'audit',
      initialState: { seen: 0 },
      reducers: {},
      extraReducers: (b) => b.addCase(applyPatch, (s) => void s.seen++),
    })
    const store = configureStore({
      reducer: withPatchwire({ audit: audit.reducer, settings: settings.reducer }),
    })
    store.dispatch(
      applyPatch({ changes: [op({ op: 'replace', path: ['settings', 'theme'], value: 'light' })] }),
    )
    const { audit: seen, settings: shown } = store.getState()
    expect({ audit: seen, settings: shown }).toEqual({
      audit: { seen: 1 },
      settings: { theme: 'light' },
    })
  })
})

describe('what the sink records about a dispatched action', () => {
  it('an applyPatch action keeps its own keys and JSON after it was reduced', () => {
    const { store } = makeStore()
    const action = applyPatch(
      { changes: [op({ op: 'replace', path: ['settings', 'theme'], value: 'light' })] },
      { at: 1 },
    )
    const json = JSON.stringify(action)
    store.dispatch(action)
    expect(Object.keys(action)).toEqual(['type', 'payload', 'meta'])
    expect(JSON.stringify(action)).toBe(json)
    expect({ ...action }).toEqual(
      applyPatch(
        { changes: [op({ op: 'replace', path: ['settings', 'theme'], value: 'light' })] },
        { at: 1 },
      ),
    )
  })

  it('a frozen applyPatch action is applied and its refused change reported', () => {
    const { store, rejections } = makeStore()
    const action = Object.freeze(
      applyPatch(
        {
          changes: [
            op({ op: 'replace', path: ['settings', 'theme'], value: 'light' }),
            op({ op: 'replace', path: ['settings', 'theme'], value: 'neon' }),
          ],
        },
        { at: 1 },
      ),
    )
    store.dispatch(action)
    expect(store.getState().settings.theme).toBe('light')
    expect(rejections.map((r) => r.reason)).toEqual(['schema'])
    expect(store.getState().patchwire.counters).toMatchObject({ applied: 1, rejected: 1 })
  })

  it('the same action object dispatched twice is counted twice', () => {
    const { store } = makeStore()
    const action = applyPatch({
      changes: [op({ op: 'replace', path: ['entities', 'byId', 'a', 'qty'], value: 3 })],
    })
    store.dispatch(action)
    store.dispatch(action)
    expect(store.getState().patchwire.counters.applied).toBe(2)
  })

  it('the status state stays frozen as applied changes are counted', () => {
    const { store } = makeStore()
    for (let qty = 2; qty < 5; qty++)
      store.dispatch(
        applyPatch({
          changes: [op({ op: 'replace', path: ['entities', 'byId', 'a', 'qty'], value: qty })],
        }),
      )
    const status = store.getState().patchwire
    expect(status.counters.applied).toBe(3)
    expect(Object.isFrozen(status)).toBe(true)
    expect(Object.isFrozen(status.counters)).toBe(true)
  })
})
