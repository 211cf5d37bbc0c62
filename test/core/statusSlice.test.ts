import { configureStore, createSlice, type UnknownAction } from '@reduxjs/toolkit'
import { describe, expect, it } from 'vitest'
import {
  countersIncremented,
  patchwireSlice,
  persistStatusChanged,
  streamStatusChanged,
  syncStatusChanged,
} from '../../slices/patchwireSlice'
import {
  applyPatch,
  type ChangeInput,
  PATCHWIRE_KEY,
  PatchwireError,
  type PatchwireStatusState,
  patchRejected,
  patchwireMiddleware,
  patchwireReducer,
  REJECTION_RING_SIZE,
  selectCounters,
  selectIsHydrated,
  selectPendingCount,
  selectPersistStatus,
  selectRecentRejections,
  selectStreamStatus,
  selectSyncStatus,
  withPatchwire,
} from '../../src/index'

const list = createSlice({ name: 'list', initialState: { items: [] as number[] }, reducers: {} })

function makeStore(withMiddleware = true) {
  return configureStore({
    reducer: withPatchwire({ list: list.reducer, [PATCHWIRE_KEY]: patchwireReducer }),
    middleware: (gDM) =>
      withMiddleware ? gDM().concat(patchwireMiddleware({ now: () => 1_234 })) : gDM(),
  })
}

const good = (n: number): ChangeInput => ({
  source: 'stream',
  ops: [{ op: 'add', path: ['list', 'items', '-'], value: n }],
})
const bad = (n: number): ChangeInput => ({
  source: 'sync',
  id: `c${n}`,
  seq: n,
  ops: [{ op: 'remove', path: ['list', 'missing'] }],
})

describe('the status slice', () => {
  it('is mounted under the patchwire key with zeroed counters', () => {
    const store = makeStore()
    expect(PATCHWIRE_KEY).toBe('patchwire')
    expect(selectCounters(store.getState())).toEqual({
      applied: 0,
      ignoredStale: 0,
      gaps: 0,
      rejected: 0,
      parseErrors: 0,
      refetches: 0,
      schemaSkews: 0,
    })
  })

  it('counts applied changes per change, not per action', () => {
    const store = makeStore()
    store.dispatch(applyPatch({ changes: [good(1), good(2), good(3)] }))
    store.dispatch(applyPatch({ changes: [good(4)] }))
    expect(selectCounters(store.getState()).applied).toBe(4)
  })

  it('counts a sink rejection once, although patchRejected follows it', () => {
    const store = makeStore()
    store.dispatch(applyPatch({ changes: [bad(1)] }))
    expect(selectCounters(store.getState()).rejected).toBe(1)
    expect(selectRecentRejections(store.getState())).toHaveLength(1)
  })

  it('counts sink rejections without the middleware too', () => {
    const store = makeStore(false)
    store.dispatch(applyPatch({ changes: [bad(1), good(1)] }))
    expect(selectCounters(store.getState())).toMatchObject({ applied: 1, rejected: 1 })
  })

  it('records a rejection with its source, reason, id, seq, op count and time', () => {
    const store = makeStore()
    store.dispatch(applyPatch({ changes: [bad(7)] }))
    expect(selectRecentRejections(store.getState())[0]).toEqual({
      source: 'sync',
      reason: 'missing_path',
      issues: [expect.objectContaining({ code: 'missing_path', path: ['list', 'missing'] })],
      id: 'c7',
      seq: 7,
      opCount: 1,
      at: 1_234,
    })
  })

  it('counts a relay rejection and records it', () => {
    const store = makeStore()
    store.dispatch(
      patchRejected({
        change: bad(2) as never,
        source: 'sync',
        reason: 'forbidden',
        issues: [],
        stage: 'relay',
      }),
    )
    expect(selectCounters(store.getState()).rejected).toBe(1)
    expect(selectRecentRejections(store.getState())[0]?.reason).toBe('forbidden')
  })

  it('counts a stale relay rejection as ignoredStale too', () => {
    const store = makeStore()
    store.dispatch(
      patchRejected({
        change: bad(2) as never,
        source: 'sync',
        reason: 'stale',
        issues: [],
        stage: 'relay',
      }),
    )
    expect(selectCounters(store.getState())).toMatchObject({ rejected: 1, ignoredStale: 1 })
  })

  it(`keeps at most ${REJECTION_RING_SIZE} recent rejections, dropping the oldest`, () => {
    const store = makeStore()
    const total = REJECTION_RING_SIZE + 10
    store.dispatch(applyPatch({ changes: Array.from({ length: total }, (_, i) => bad(i)) }))
    const ring = selectRecentRejections(store.getState())
    expect(ring).toHaveLength(REJECTION_RING_SIZE)
    expect(ring[0]?.id).toBe('c10')
    expect(ring.at(-1)?.id).toBe(`c${total - 1}`)
    expect(selectCounters(store.getState()).rejected).toBe(total)
  })

  it('keeps at most ten issues per rejection', () => {
    const store = makeStore()
    const issues = Array.from({ length: 25 }, (_, i) => ({ message: `issue ${i}` }))
    store.dispatch(
      patchRejected({
        change: bad(1) as never,
        source: 'sync',
        reason: 'schema',
        issues,
        stage: 'relay',
      }),
    )
    expect(selectRecentRejections(store.getState())[0]?.issues).toHaveLength(10)
  })

  it('countersIncremented adds to the transport counters', () => {
    const store = makeStore()
    store.dispatch(countersIncremented({ gaps: 2, refetches: 1 }))
    store.dispatch(
      countersIncremented({ gaps: 1, parseErrors: 3, schemaSkews: 1, ignoredStale: 4 }),
    )
    expect(selectCounters(store.getState())).toMatchObject({
      gaps: 3,
      refetches: 1,
      parseErrors: 3,
      schemaSkews: 1,
      ignoredStale: 4,
    })
  })
})

describe('status selectors', () => {
  it('selectSyncStatus merges updates over the defaults', () => {
    const store = makeStore()
    store.dispatch(syncStatusChanged({ room: 'r1', connection: 'live', lastSeq: 4 }))
    expect(selectSyncStatus(store.getState(), 'r1')).toEqual({
      connection: 'live',
      lastSeq: 4,
      pending: 0,
      lagMs: null,
      lastError: null,
    })
  })

  it('selectSyncStatus without a room returns the first transport', () => {
    const store = makeStore()
    store.dispatch(syncStatusChanged({ room: 'r1', connection: 'connecting' }))
    store.dispatch(syncStatusChanged({ room: 'r2', connection: 'live' }))
    expect(selectSyncStatus(store.getState())?.connection).toBe('connecting')
  })

  it('selectSyncStatus of an unknown room is undefined', () => {
    expect(selectSyncStatus(makeStore().getState(), 'nope')).toBeUndefined()
  })

  it('selectPendingCount sums pending changes over rooms', () => {
    const store = makeStore()
    store.dispatch(syncStatusChanged({ room: 'r1', pending: 2 }))
    store.dispatch(syncStatusChanged({ room: 'r2', pending: 3 }))
    expect(selectPendingCount(store.getState())).toBe(5)
  })

  it('selectIsHydrated is false while a persisted key is hydrating', () => {
    const store = makeStore()
    store.dispatch(persistStatusChanged({ key: 'cart' }))
    expect(selectIsHydrated(store.getState())).toBe(false)
  })

  it('selectIsHydrated is true once every persisted key is ready or failed', () => {
    const store = makeStore()
    store.dispatch(persistStatusChanged({ key: 'cart', state: 'ready' }))
    store.dispatch(persistStatusChanged({ key: 'prefs', state: 'error', lastError: 'quota' }))
    expect(selectIsHydrated(store.getState())).toBe(true)
  })

  it('selectPersistStatus returns the merged status of a key', () => {
    const store = makeStore()
    store.dispatch(persistStatusChanged({ key: 'cart', state: 'ready', lastSavedAt: 9 }))
    expect(selectPersistStatus(store.getState(), 'cart')).toEqual({
      state: 'ready',
      lastError: null,
      lastSavedAt: 9,
      readOnly: false,
    })
  })

  it('selectStreamStatus returns the merged status of a stream', () => {
    const store = makeStore()
    store.dispatch(streamStatusChanged({ id: 'prices', state: 'live', cursor: '42' }))
    store.dispatch(streamStatusChanged({ id: 'prices', chunksApplied: 3 }))
    expect(selectStreamStatus(store.getState(), 'prices')).toEqual({
      state: 'live',
      cursor: '42',
      chunksApplied: 3,
      lastError: null,
      nextRetryAt: null,
    })
  })

  it('a stream status update gives the frozen state the slice gives through Immer, other streams untouched', () => {
    const state = patchwireReducer(undefined, { type: 'init' })
    reduceAsImmer(patchwireReducer(state, streamStatusChanged({ id: 'other', state: 'live' })), [
      [
        'streams',
        'prices',
        streamStatusChanged({ id: 'prices', state: 'connecting', cursor: null }),
      ],
      [
        'streams',
        'prices',
        streamStatusChanged({ id: 'prices', state: 'live', cursor: '7', chunksApplied: 7 }),
      ],
      [
        'streams',
        'prices',
        streamStatusChanged({ id: 'prices', lastError: 'gone', nextRetryAt: 5 }),
      ],
    ])
  })

  it('a persist status update gives the frozen state the slice gives through Immer, a load error included', () => {
    const initial = patchwireReducer(undefined, { type: 'init' })
    const loadError = new PatchwireError('load_timeout', 'Loading "app" took over 10 ms.', {
      key: 'app',
      ms: 10,
    }).toJSON()
    const update = (fields: Omit<Parameters<typeof persistStatusChanged>[0], 'key'>) =>
      ['persist', 'app', persistStatusChanged({ key: 'app', ...fields })] as const
    const state = reduceAsImmer(
      patchwireReducer(initial, persistStatusChanged({ key: 'other', state: 'ready' })),
      [
        update({ state: 'hydrating' }),
        update({ state: 'error', readOnly: true, loadError }),
        update({ state: 'ready', readOnly: false, loadError: null }),
        update({ lastSavedAt: 42 }),
      ],
    )
    expect(state.persist.app).toEqual({
      state: 'ready',
      lastError: null,
      lastSavedAt: 42,
      readOnly: false,
      loadError: null,
    })
  })
})

/**
 * Reduces each update with `patchwireReducer` (its fast paths) and with the slice
 * through Immer: the same state, frozen to the entry's nested values, every other
 * entry and the counters left as they were. Returns the last state.
 */
function reduceAsImmer(
  start: PatchwireStatusState,
  updates: readonly (readonly ['streams' | 'persist', string, UnknownAction])[],
): PatchwireStatusState {
  let state = start
  for (const [group, id, update] of updates) {
    const next = patchwireReducer(state, update)
    const viaImmer = patchwireSlice.reducer(state, update)
    expect(next).toEqual(viaImmer)
    expect(Object.keys(next[group])).toEqual(Object.keys(viaImmer[group]))
    expect(Object.isFrozen(next) && Object.isFrozen(next[group])).toBe(true)
    const entry = next[group][id] as object
    expect(Object.isFrozen(entry)).toBe(true)
    for (const value of Object.values(entry))
      if (value !== null && typeof value === 'object') expect(Object.isFrozen(value)).toBe(true)
    for (const other of Object.keys(state[group]))
      if (other !== id) expect(next[group][other]).toBe(state[group][other])
    expect(next.counters).toBe(state.counters)
    state = next
  }
  return state
}
