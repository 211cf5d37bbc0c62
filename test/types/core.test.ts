import { type Action, configureStore, createSlice, type Reducer } from '@reduxjs/toolkit'
import { describe, expectTypeOf, it } from 'vitest'
import {
  type AnyPatchwireError,
  type ApplyPatchMeta,
  type ApplyPatchPayload,
  applyPatch,
  type Change,
  type ChangeInput,
  type ChangeSource,
  createHlc,
  type Hlc,
  isPatchwireError,
  PATCHWIRE_KEY,
  type PatchRejectedPayload,
  type PatchwireCounters,
  type PatchwireError,
  type PatchwireStatusState,
  patchRejected,
  patchwireMiddleware,
  patchwireReducer,
  selectCounters,
  withPatchwire,
} from '../../src/index'

const todos = createSlice({
  name: 'todos',
  initialState: { items: [] as { title: string }[] },
  reducers: {},
})

describe('applyPatch types', () => {
  it('takes changes whose paths are segments or JSON Pointers, and optional meta', () => {
    expectTypeOf(applyPatch).parameter(0).toEqualTypeOf<{ changes: ChangeInput[] }>()
    expectTypeOf(applyPatch).parameter(1).toEqualTypeOf<ApplyPatchMeta | undefined>()
    expectTypeOf<ChangeInput['ops'][number]['path']>().toEqualTypeOf<
      readonly (string | number)[] | string
    >()
  })

  it('produces an action with a literal type, segment paths and meta', () => {
    const action = applyPatch({ changes: [{ source: 'local', ops: [] }] })
    expectTypeOf(action.type).toEqualTypeOf<'patchwire/applyPatch'>()
    expectTypeOf(action.payload).toEqualTypeOf<ApplyPatchPayload>()
    expectTypeOf(action.payload.changes).toEqualTypeOf<Change[]>()
    expectTypeOf(action.meta).toEqualTypeOf<ApplyPatchMeta>()
  })

  it('limits sources to the five known ones', () => {
    expectTypeOf<Change['source']>().toEqualTypeOf<ChangeSource>()
    expectTypeOf<ChangeSource>().toEqualTypeOf<
      'local' | 'persist' | 'sync' | 'stream' | 'devtools'
    >()
    // @ts-expect-error an unknown source is a type error
    applyPatch({ changes: [{ source: 'pigeon', ops: [] }] })
  })

  it('keeps optional metadata optional and typed', () => {
    expectTypeOf<Change['seq']>().toEqualTypeOf<number | undefined>()
    expectTypeOf<Change['id']>().toEqualTypeOf<string | undefined>()
    // @ts-expect-error seq is a number
    applyPatch({ changes: [{ source: 'sync', seq: '1', ops: [] }] })
  })

  it('match() narrows an unknown action', () => {
    const action = { type: 'x' } as Action
    if (applyPatch.match(action)) expectTypeOf(action.payload).toEqualTypeOf<ApplyPatchPayload>()
    if (patchRejected.match(action))
      expectTypeOf(action.payload).toEqualTypeOf<PatchRejectedPayload>()
  })

  it('patchRejected carries the change, source, reason, issues and stage', () => {
    expectTypeOf(patchRejected).parameter(0).toEqualTypeOf<PatchRejectedPayload>()
    expectTypeOf<PatchRejectedPayload['stage']>().toEqualTypeOf<'sink' | 'relay' | 'client'>()
  })
})

describe('PatchwireError types', () => {
  it('a code fixes the details type', () => {
    expectTypeOf<PatchwireError<'forbidden_path'>['details']>().toEqualTypeOf<{
      path: (string | number)[]
      segment: string
    }>()
  })

  it('isPatchwireError with a code narrows details to that code', () => {
    const err: unknown = null
    if (isPatchwireError(err, 'index_out_of_range')) {
      expectTypeOf(err.code).toEqualTypeOf<'index_out_of_range'>()
      expectTypeOf(err.details.index).toEqualTypeOf<number>()
    }
  })

  it('checking code on any PatchwireError narrows details', () => {
    const err: unknown = null
    if (isPatchwireError(err)) {
      expectTypeOf(err).toEqualTypeOf<AnyPatchwireError>()
      if (err.code === 'too_large') expectTypeOf(err.details.max).toEqualTypeOf<number>()
      if (err.code === 'option') expectTypeOf(err.details.option).toEqualTypeOf<string>()
    }
  })
})

describe('withPatchwire types', () => {
  it('keeps the state type of a reducer map', () => {
    const reducer = withPatchwire({ todos: todos.reducer, [PATCHWIRE_KEY]: patchwireReducer })
    const store = configureStore({ reducer })
    expectTypeOf(store.getState().todos.items).toEqualTypeOf<{ title: string }[]>()
    expectTypeOf(store.getState().patchwire).toEqualTypeOf<PatchwireStatusState>()
  })

  it('keeps the state type when written inline in configureStore beside a middleware callback', () => {
    // The Quick start's shape: the inline call must not take its state from configureStore.
    const store = configureStore({
      reducer: withPatchwire({ todos: todos.reducer, [PATCHWIRE_KEY]: patchwireReducer }),
      middleware: (gDM) => gDM().concat(patchwireMiddleware({ onPatchRejected: () => {} })),
    })
    expectTypeOf(store.getState()).not.toBeAny()
    expectTypeOf(store.getState().todos.items).toEqualTypeOf<{ title: string }[]>()
    expectTypeOf(store.getState().patchwire).toEqualTypeOf<PatchwireStatusState>()
  })

  it('types the mounted status slice when the reducer map leaves it out, inline beside a middleware callback', () => {
    const store = configureStore({
      reducer: withPatchwire({ todos: todos.reducer }),
      middleware: (gDM) => gDM().concat(patchwireMiddleware()),
    })
    expectTypeOf(store.getState()).not.toBeAny()
    expectTypeOf(store.getState().todos.items).toEqualTypeOf<{ title: string }[]>()
    expectTypeOf(store.getState().patchwire).toEqualTypeOf<PatchwireStatusState>()
  })

  it('keeps the state type of a hand-written reducer written inline beside a middleware callback', () => {
    const root: Reducer<{ n: number }> = (s = { n: 0 }) => s
    const store = configureStore({
      reducer: withPatchwire(root),
      middleware: (gDM) => gDM().concat(patchwireMiddleware()),
    })
    expectTypeOf(store.getState()).toEqualTypeOf<{ n: number }>()
  })

  it('keeps the state type of a hand-written reducer', () => {
    const root: Reducer<{ n: number }> = (s = { n: 0 }) => s
    const store = configureStore({ reducer: withPatchwire(root) })
    expectTypeOf(store.getState()).toEqualTypeOf<{ n: number }>()
  })

  it('accepts applyPatch as an action of the wrapped reducer', () => {
    const reducer = withPatchwire(todos.reducer)
    expectTypeOf(reducer).parameter(1).extract<{ type: 'patchwire/applyPatch' }>().not.toBeNever()
  })

  it('status selectors read the root state', () => {
    const store = configureStore({
      reducer: withPatchwire({ todos: todos.reducer, [PATCHWIRE_KEY]: patchwireReducer }),
    })
    expectTypeOf(selectCounters(store.getState())).toEqualTypeOf<PatchwireCounters>()
  })
})

describe('clock types', () => {
  it('now() and receive() return Hlc', () => {
    const clock = createHlc('n')
    expectTypeOf(clock.now()).toEqualTypeOf<Hlc>()
    expectTypeOf(clock.receive).parameter(0).toEqualTypeOf<Hlc | string>()
  })
})
