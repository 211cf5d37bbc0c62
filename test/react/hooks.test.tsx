import { configureStore } from '@reduxjs/toolkit'
import { renderToString } from 'react-dom/server'
import { Provider } from 'react-redux'
import { describe, expect, it } from 'vitest'
import {
  countersIncremented,
  persistStatusChanged,
  streamStatusChanged,
  syncStatusChanged,
} from '../../slices/patchwireSlice'
import { applyPatch } from '../../src/index'
import {
  useIsHydrated,
  useIsPending,
  usePatchwireCounters,
  usePendingChanges,
  usePersistStatus,
  useRecentRejections,
  useStreamStatus,
  useSyncStatus,
  useTrafficLog,
} from '../../src/react/index'
import { makeStore } from './store'

type AnyStore = ReturnType<typeof makeStore>['store']

// Renders a hook's value as JSON: react-dom/server runs the hooks against the real store.
function readHook<T>(store: AnyStore | ReturnType<typeof configureStore>, hook: () => T): T {
  function Probe() {
    return <pre>{JSON.stringify(hook() ?? null)}</pre>
  }
  const html = renderToString(
    <Provider store={store}>
      <Probe />
    </Provider>,
  )
  const json = html.replace(/^<pre>/, '').replace(/<\/pre>$/, '')
  return JSON.parse(json.replaceAll('&quot;', '"').replaceAll('&amp;', '&')) as T
}

describe('status hooks', () => {
  it('useSyncStatus reads a room, or the first room when none is named', () => {
    const { store } = makeStore()
    store.dispatch(syncStatusChanged({ room: 'a', connection: 'live', lastSeq: 3 }))
    store.dispatch(syncStatusChanged({ room: 'b', connection: 'offline' }))
    expect(readHook(store, () => useSyncStatus('b'))).toMatchObject({ connection: 'offline' })
    expect(readHook(store, () => useSyncStatus())).toMatchObject({ connection: 'live', lastSeq: 3 })
    expect(readHook(store, () => useSyncStatus('missing'))).toBeNull()
  })

  it('usePersistStatus reads the hydration state of a key', () => {
    const { store } = makeStore()
    store.dispatch(persistStatusChanged({ key: 'cart', state: 'ready', lastSavedAt: 9 }))
    expect(readHook(store, () => usePersistStatus('cart'))).toMatchObject({
      state: 'ready',
      lastSavedAt: 9,
    })
  })

  it('useStreamStatus reads the state and cursor of a stream', () => {
    const { store } = makeStore()
    store.dispatch(streamStatusChanged({ id: 'metrics', state: 'retrying', cursor: '42' }))
    expect(readHook(store, () => useStreamStatus('metrics'))).toMatchObject({
      state: 'retrying',
      cursor: '42',
    })
  })

  it('usePendingChanges sums pending changes over rooms and lists the rooms that have some', () => {
    const { store } = makeStore()
    store.dispatch(syncStatusChanged({ room: 'a', pending: 2 }))
    store.dispatch(syncStatusChanged({ room: 'b', pending: 0 }))
    store.dispatch(syncStatusChanged({ room: 'c', pending: 3 }))
    expect(readHook(store, usePendingChanges)).toEqual({
      count: 5,
      rooms: [
        { room: 'a', pending: 2, paths: [] },
        { room: 'c', pending: 3, paths: [] },
      ],
    })
  })

  it('usePendingChanges lists the paths pending changes write when sync reports them', () => {
    const { store } = makeStore()
    store.dispatch(syncStatusChanged({ room: 'a', pending: 1, pendingPaths: ['/notes/title'] }))
    expect(readHook(store, usePendingChanges).rooms).toEqual([
      { room: 'a', pending: 1, paths: ['/notes/title'] },
    ])
  })

  it('useIsPending is true for a pending path, its ancestors and descendants only', () => {
    const { store } = makeStore()
    store.dispatch(syncStatusChanged({ room: 'a', pending: 1, pendingPaths: ['/notes/items/0'] }))
    expect(readHook(store, () => useIsPending('notes.items.0'))).toBe(true)
    expect(readHook(store, () => useIsPending('/notes'))).toBe(true)
    expect(readHook(store, () => useIsPending(['notes', 'items', '0', 'text']))).toBe(true)
    expect(readHook(store, () => useIsPending('notes.title'))).toBe(false)
  })

  it('usePatchwireCounters counts applied and rejected changes and transport counters', () => {
    const { store } = makeStore()
    store.dispatch(
      applyPatch({
        changes: [
          { source: 'sync', ops: [{ op: 'add', path: '/notes/items/-', value: { text: 'a' } }] },
          { source: 'sync', ops: [{ op: 'add', path: '/notes/items/-', value: { text: '' } }] },
        ],
      }),
    )
    store.dispatch(countersIncremented({ gaps: 2 }))
    expect(readHook(store, usePatchwireCounters)).toMatchObject({
      applied: 1,
      rejected: 1,
      gaps: 2,
    })
  })

  it('useRecentRejections lists refused changes with their issues', () => {
    const { store } = makeStore()
    store.dispatch(
      applyPatch({
        changes: [
          { source: 'stream', ops: [{ op: 'add', path: '/notes/items/-', value: { text: '' } }] },
        ],
      }),
    )
    const [record] = readHook(store, useRecentRejections)
    expect(record).toMatchObject({ source: 'stream', reason: 'schema', opCount: 1 })
    expect(record?.issues[0]?.message).toEqual(expect.any(String))
  })

  it('useIsHydrated is false while a persisted key is loading and true after', () => {
    const { store } = makeStore()
    store.dispatch(persistStatusChanged({ key: 'cart', state: 'hydrating' }))
    expect(readHook(store, useIsHydrated)).toBe(false)
    store.dispatch(persistStatusChanged({ key: 'cart', state: 'ready' }))
    expect(readHook(store, useIsHydrated)).toBe(true)
  })

  it('hooks read "nothing known" from a store without the status slice', () => {
    const bare = configureStore({ reducer: { x: (s: number = 0) => s } })
    expect(readHook(bare, usePatchwireCounters)).toMatchObject({ applied: 0, rejected: 0 })
    expect(readHook(bare, usePendingChanges)).toEqual({ count: 0, rooms: [] })
    expect(readHook(bare, () => useSyncStatus())).toBeNull()
  })

  it('useTrafficLog reads the log installed in the store', () => {
    const { store } = makeStore()
    store.dispatch(
      applyPatch({
        changes: [
          { source: 'devtools', ops: [{ op: 'replace', path: '/notes/title', value: 't' }] },
        ],
      }),
    )
    expect(readHook(store, () => useTrafficLog().map((e) => [e.source, e.direction]))).toEqual([
      ['devtools', 'out'],
    ])
  })
})
