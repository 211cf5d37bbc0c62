import { configureStore, createSlice, type Middleware, type UnknownAction } from '@reduxjs/toolkit'
import { afterEach, describe, expect, it } from 'vitest'
import { undoHistory } from '../../middleware/history/undoHistory'
import { patchwireMiddleware } from '../../middleware/patchwireMiddleware'
import { sync } from '../../middleware/sync/sync'
import { patchwireReducer } from '../../slices/patchwireSlice'
import { applyPatch, patchRejected } from '../../src/actions'
import { sanitizePatchAction } from '../../src/devtools'
import { getTrafficLog, patchwireTrafficLog } from '../../src/react/trafficLog'
import { PATCHWIRE_KEY, withPatchwire } from '../../src/withPatchwire'

// An applyPatch action need not come from the action creator: DevTools'
// dispatcher, a replayed JSON log or untyped code build it by hand, often
// without `meta`. Such an action is applied or refused like any other and
// never throws out of dispatch, with every patchwire middleware installed.

const todos = createSlice({
  name: 'todos',
  initialState: { items: [] as string[] },
  reducers: {},
})

function makeStore() {
  const team = sync({ mode: 'peer', room: `hand-${Math.random()}`, allowKeys: ['todos'] })
  const seen: UnknownAction[] = []
  const watch: Middleware = () => (next) => (action) => {
    seen.push(action as UnknownAction)
    return next(action)
  }
  const store = configureStore({
    reducer: withPatchwire({ todos: todos.reducer, [PATCHWIRE_KEY]: patchwireReducer }),
    middleware: (gDM) =>
      gDM().concat(
        watch,
        patchwireMiddleware(),
        undoHistory().middleware,
        patchwireTrafficLog(),
        team.middleware,
      ),
    devTools: { actionSanitizer: sanitizePatchAction },
  })
  stops.push(() => team.stop())
  return { store, seen }
}

const stops: (() => void)[] = []
afterEach(() => {
  for (const stop of stops.splice(0)) stop()
})

describe('an applyPatch action built by hand', () => {
  it('without meta is applied, stamped and logged', () => {
    const { store } = makeStore()
    store.dispatch({
      type: applyPatch.type,
      payload: {
        changes: [
          { source: 'devtools', ops: [{ op: 'add', path: ['todos', 'items', 0], value: 'a' }] },
        ],
      },
    })
    expect(store.getState().todos.items).toEqual(['a'])
    expect(store.getState()[PATCHWIRE_KEY].counters.applied).toBe(1)
    expect(getTrafficLog(store)?.entries().length).toBeGreaterThan(0)
  })

  it('without meta and with a payload of another shape is refused as invalid_change', () => {
    const { store, seen } = makeStore()
    for (const payload of [{ changes: [null] }, { changes: 'x' }, null, 42, undefined]) {
      expect(() => store.dispatch({ type: applyPatch.type, payload })).not.toThrow()
    }
    expect(store.getState().todos.items).toEqual([])
    // The DevTools sanitizer shows such an action as it is.
    for (const payload of [null, 42, { changes: [null] }]) {
      const action = { type: applyPatch.type, payload }
      expect(sanitizePatchAction(action)).toBe(action)
    }
    const reasons = seen.filter(patchRejected.match).map((a) => a.payload.reason)
    expect(reasons.length).toBeGreaterThan(0)
    expect(new Set(reasons)).toEqual(new Set(['invalid_change']))
  })

  it('through the action creator from untyped code is refused, not thrown', () => {
    const { store, seen } = makeStore()
    const untyped = applyPatch as unknown as (payload: unknown) => UnknownAction
    for (const payload of [{ changes: 'x' }, null, 42]) {
      expect(() => store.dispatch(untyped(payload))).not.toThrow()
    }
    expect(store.getState().todos.items).toEqual([])
    expect(seen.filter(patchRejected.match).map((a) => a.payload.reason)).toEqual([
      'invalid_change',
      'invalid_change',
      'invalid_change',
    ])
  })
})
