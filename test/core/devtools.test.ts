import { ActionCreators, instrument, type LiftedState } from '@redux-devtools/instrument'
import { type Action, configureStore, createSlice, type Middleware } from '@reduxjs/toolkit'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { z } from 'zod'
import {
  applyPatch,
  type ChangeInput,
  PATCHWIRE_KEY,
  patchRejected,
  patchwireDevTools,
  patchwireMiddleware,
  patchwireReducer,
  sanitizePatchAction,
  withPatchwire,
} from '../../src/index'

const board = createSlice({
  name: 'board',
  initialState: { cards: [] as { title: string }[], owner: 'ada' },
  reducers: {
    renamed: (s, a: { payload: string }) => {
      s.owner = a.payload
    },
  },
})
const Schema = z.object({
  board: z.object({ cards: z.array(z.object({ title: z.string().min(1) })), owner: z.string() }),
})
const reducer = withPatchwire(
  { board: board.reducer, [PATCHWIRE_KEY]: patchwireReducer },
  { schema: Schema },
)
type State = ReturnType<typeof reducer>

const card = (title: string, source: ChangeInput['source'], extra: Partial<ChangeInput> = {}) =>
  applyPatch({
    changes: [
      { source, ...extra, ops: [{ op: 'add', path: ['board', 'cards', '-'], value: { title } }] },
    ],
  })

/** A log from every source, including a rejected change and a change that depends on an earlier one. */
const log = (): Action[] => [
  card('from storage', 'persist'),
  card('typed here', 'local'),
  applyPatch({
    changes: [
      {
        source: 'sync',
        seq: 1,
        id: 'peer:1',
        room: 'r',
        origin: 'peer',
        ts: '000000000000100-000000-peer',
        ops: [{ op: 'replace', path: ['board', 'cards', 1, 'title'], value: 'edited by peer' }],
      },
      {
        source: 'sync',
        seq: 2,
        id: 'peer:2',
        room: 'r',
        ops: [{ op: 'add', path: ['board', 'cards', '-'], value: { title: '' } }],
      },
    ],
  }),
  board.actions.renamed('bob'),
  card('streamed', 'stream'),
  card('restored by hand', 'devtools'),
]

function makeStore() {
  const seen = { applyPatch: 0, other: 0 }
  const rejected: string[] = []
  const counting: Middleware = () => (next) => (action) => {
    if (applyPatch.match(action)) seen.applyPatch++
    else seen.other++
    return next(action)
  }
  const store = configureStore({
    reducer,
    middleware: (gDM) =>
      gDM().concat(
        counting,
        patchwireMiddleware({ now: () => 1_000, onPatchRejected: (r) => rejected.push(r.reason) }),
      ),
    enhancers: (gDE) => gDE().concat(instrument()),
  })
  return { store, lifted: store.liftedStore, seen, rejected }
}

/** Dispatches the log for real, recording the lifted index and state after each action. */
function record() {
  const ctx = makeStore()
  const steps: { index: number; state: State }[] = []
  for (const action of log()) {
    ctx.store.dispatch(action)
    steps.push({
      index: ctx.lifted.getState().currentStateIndex,
      state: structuredClone(ctx.store.getState()),
    })
  }
  return { ...ctx, steps }
}

/** The state after dispatching every logged action except one, in a store without DevTools. */
function stateWithout(skip: number): State {
  const store = configureStore({
    reducer,
    middleware: (gDM) => gDM().concat(patchwireMiddleware({ now: () => 1_000 })),
  })
  log().forEach((action, i) => {
    if (i !== skip) store.dispatch(action)
  })
  return store.getState()
}

function liftedIdOf(lifted: ReturnType<typeof makeStore>['lifted'], logIndex: number): number {
  const { stagedActionIds, actionsById } = lifted.getState()
  const ids = stagedActionIds.filter((id) => {
    const type = actionsById[id]?.action.type
    return type !== '@@INIT' && type !== patchRejected.type
  })
  return ids[logIndex]!
}

describe('DevTools time travel over applyPatch', () => {
  it('the recorded log holds a rejected change made visible as patchRejected', () => {
    const { lifted, rejected } = record()
    const types = Object.values(lifted.getState().actionsById).map((a) => (a.action as Action).type)
    expect(types.filter((t) => t === patchRejected.type)).toHaveLength(1)
    expect(rejected).toEqual(['schema'])
  })

  it('jumping to each step shows the state recorded at that step', () => {
    const { store, lifted, steps } = record()
    for (const step of steps) {
      lifted.dispatch(ActionCreators.jumpToState(step.index))
      expect(store.getState()).toEqual(step.state)
    }
  })

  it('jumping to each step after every state was recomputed from the log shows the recorded state', () => {
    const { store, lifted, steps } = record()
    // Toggling the first action off and on again recomputes every later state from the actions.
    lifted.dispatch(ActionCreators.toggleAction(1))
    lifted.dispatch(ActionCreators.toggleAction(1))
    for (const step of steps) {
      lifted.dispatch(ActionCreators.jumpToState(step.index))
      expect(store.getState()).toEqual(step.state)
    }
  })

  for (const [skip, what] of [
    [0, 'a persist change'],
    [1, 'a local change that a later sync change edits'],
    [2, 'a sync batch holding a rejected change'],
    [4, 'a stream change'],
  ] as const) {
    it(`toggling off ${what} recomputes the same state as never dispatching it`, () => {
      const { store, lifted } = record()
      lifted.dispatch(ActionCreators.toggleAction(liftedIdOf(lifted, skip)))
      expect(store.getState()).toEqual(stateWithout(skip))
    })
  }

  it('toggling an action back on restores the recorded final state', () => {
    const { store, lifted, steps } = record()
    const id = liftedIdOf(lifted, 1)
    lifted.dispatch(ActionCreators.toggleAction(id))
    lifted.dispatch(ActionCreators.toggleAction(id))
    expect(store.getState()).toEqual(steps.at(-1)?.state)
  })

  it('importing the exported log into a fresh store reproduces every state', () => {
    const original = record()
    // What the DevTools export writes: JSON. States are dropped so the import must recompute them.
    const exported = JSON.parse(JSON.stringify(original.lifted.getState())) as LiftedState<
      State,
      Action,
      null
    >
    exported.computedStates = []
    const fresh = makeStore()
    fresh.lifted.dispatch(ActionCreators.importState<State, Action>(exported))
    for (const step of original.steps) {
      fresh.lifted.dispatch(ActionCreators.jumpToState(step.index))
      expect(fresh.store.getState()).toEqual(step.state)
    }
  })

  it('importing the bare action list into a fresh store reproduces the final state', () => {
    const original = record()
    const { actionsById, stagedActionIds } = original.lifted.getState()
    const actions = JSON.parse(
      JSON.stringify(stagedActionIds.slice(1).map((id) => actionsById[id]?.action)),
    ) as Action[]
    const fresh = makeStore()
    fresh.lifted.dispatch(ActionCreators.importState<State, Action>(actions))
    expect(fresh.store.getState()).toEqual(original.steps.at(-1)?.state)
  })

  it('middleware does not run again on jump, toggle or import', () => {
    const { lifted, seen, rejected } = record()
    const before = { ...seen }
    lifted.dispatch(ActionCreators.jumpToState(1))
    lifted.dispatch(ActionCreators.toggleAction(liftedIdOf(lifted, 1)))
    lifted.dispatch(ActionCreators.importState<State, Action>(lifted.getState()))
    expect(seen).toEqual(before)
    expect(rejected).toEqual(['schema'])
  })

  it('a fresh store importing a log with a rejection reports nothing again', () => {
    const original = record()
    const fresh = makeStore()
    fresh.lifted.dispatch(ActionCreators.importState<State, Action>(original.lifted.getState()))
    expect(fresh.rejected).toEqual([])
    expect(fresh.seen).toEqual({ applyPatch: 0, other: 0 })
  })
})

describe('actions are serializable', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it("RTK's serializable check raises no warning for applyPatch and patchRejected", () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    const warns = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const store = configureStore({
      reducer,
      middleware: (gDM) =>
        gDM({ serializableCheck: { warnAfter: 10_000 } }).concat(patchwireMiddleware()),
    })
    for (const action of log()) store.dispatch(action)
    store.dispatch(
      patchRejected({
        change: { source: 'sync', ops: [] },
        source: 'sync',
        reason: 'stale',
        issues: [{ message: 'older than the last write', path: ['board'] }],
        stage: 'relay',
      }),
    )
    expect(errors).not.toHaveBeenCalled()
    expect(warns).not.toHaveBeenCalled()
  })

  it('an applyPatch action survives a JSON round trip unchanged', () => {
    for (const action of log()) expect(JSON.parse(JSON.stringify(action))).toEqual(action)
  })
})

describe('DevTools presets', () => {
  const big = applyPatch({
    changes: Array.from({ length: 30 }, (_, i) => ({
      source: 'stream' as const,
      ops: Array.from({ length: i === 0 ? 25 : 1 }, (_, j) => ({
        op: 'replace' as const,
        path: ['n', j],
        value: j,
      })),
    })),
  })

  it('sanitizePatchAction leaves a small batch as the same object', () => {
    const small = card('x', 'local')
    expect(sanitizePatchAction(small)).toBe(small)
  })

  it('sanitizePatchAction leaves other actions as the same object', () => {
    const other = board.actions.renamed('x')
    expect(sanitizePatchAction(other)).toBe(other)
  })

  it('sanitizePatchAction shows the first changes and counts the rest', () => {
    const shown = sanitizePatchAction(big, 20, 20).payload as unknown as {
      changes: unknown[]
      omittedChanges: number
    }
    expect(shown.changes).toHaveLength(20)
    expect(shown.omittedChanges).toBe(10)
  })

  it('sanitizePatchAction shows the first ops of a long change and counts the rest', () => {
    const shown = sanitizePatchAction(big, 20, 20).payload.changes[0] as unknown as {
      ops: unknown[]
      omittedOps: number
    }
    expect(shown.ops).toHaveLength(20)
    expect(shown.omittedOps).toBe(5)
  })

  it('sanitizePatchAction never changes the action the store keeps', () => {
    const copy = structuredClone(big)
    sanitizePatchAction(big, 2, 2)
    expect(big).toEqual(copy)
  })

  it('patchwireDevTools uses the limits it is given', () => {
    const { actionSanitizer } = patchwireDevTools({ maxChanges: 5, maxOps: 3 })
    const shown = actionSanitizer(big).payload as unknown as { changes: { ops: unknown[] }[] }
    expect(shown.changes).toHaveLength(5)
    expect(shown.changes[0]?.ops).toHaveLength(3)
  })

  it('patchwireDevTools passes the deny-list through and defaults it to empty', () => {
    expect(patchwireDevTools().actionsDenylist).toEqual([])
    expect(patchwireDevTools({ deny: ['patchwire/syncStatusChanged'] }).actionsDenylist).toEqual([
      'patchwire/syncStatusChanged',
    ])
  })

  it('patchwireDevTools plugs into configureStore', () => {
    const store = configureStore({ reducer, devTools: patchwireDevTools({ deny: ['noise'] }) })
    store.dispatch(card('x', 'local'))
    expect(store.getState().board.cards).toEqual([{ title: 'x' }])
  })
})
