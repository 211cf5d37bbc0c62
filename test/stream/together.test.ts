import { afterEach, describe, expect, it, vi } from 'vitest'
import { persist } from '../../middleware/persist/persist'
import { createMemoryStorage } from '../../middleware/persist/storages/memoryStorage'
import { getStoreHub } from '../../middleware/storeHub'
import { streamStop } from '../../middleware/stream/actions'
import { stream } from '../../middleware/stream/stream'
import { sync } from '../../middleware/sync/sync'
import { createChangeFeed } from '../../server/sse/createChangeFeed'
import { serveChangeStream } from '../../server/sse/serveChangeStream'
import { eventually, live, makeStore, startRelay, todos } from '../sync/helpers'
import { FakeEventSource } from './fakeEventSource'
import { append, createTestStore, startServer } from './helpers'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const addTodo = (title: string, id: number) => ({
  type: 'patch' as const,
  id,
  ops: [{ op: 'add' as const, path: '/todos/items/-', value: title }],
})

describe('stream with persist', () => {
  it('persists the cursor as a durable part, so a reloaded store resumes after it', async () => {
    const feed = createChangeFeed()
    for (let i = 1; i <= 5; i++) feed.append(append(i))
    const server = await startServer((req, res) => {
      void serveChangeStream(req, res, { subscribe: feed.subscribe, format: 'sse' })
    })
    cleanups.push(server.close)
    const storage = createMemoryStorage()
    const firstSaver = persist({ storage, key: 'app', debounceMs: 60_000 })
    const first = createTestStore(
      { id: 'ticks', url: server.url },
      { before: [firstSaver.middleware] },
    )
    await vi.waitFor(() => expect(first.store.getState().feed.items).toHaveLength(5))
    expect(getStoreHub(first.store).durableParts().get('stream:ticks')?.read()).toEqual({
      cursor: '5',
    })
    await firstSaver.flush()
    first.store.dispatch(streamStop({ id: 'ticks' }))

    for (let i = 6; i <= 7; i++) feed.append(append(i))
    const second = createTestStore(
      { id: 'ticks', url: server.url },
      { before: [persist({ storage, key: 'app', debounceMs: 60_000 }).middleware] },
    )
    cleanups.push(() => second.store.dispatch(streamStop({ id: 'ticks' })))
    await vi.waitFor(() => expect(second.store.getState().feed.items).toHaveLength(7))
    expect(second.store.getState().feed.items).toEqual([1, 2, 3, 4, 5, 6, 7])
    expect(server.requests.map((r) => r.headers['last-event-id'] ?? null)).toEqual([null, '5'])
  })

  it('tells the store hub when the cursor advances', async () => {
    let changed = 0
    const { store } = createTestStore(
      {
        id: 'hub',
        source: (async function* () {
          yield { ...append(1), id: 'a' }
          yield { ...append(2), id: 'b' }
        })(),
        batch: false,
      },
      {
        before: [
          (api) => {
            getStoreHub(api).onDurableChanged(() => changed++)
            return (next) => (action) => next(action)
          },
        ],
      },
    )
    await vi.waitFor(() => expect(store.getState().patchwire.streams.hub?.state).toBe('stopped'))
    expect(changed).toBeGreaterThanOrEqual(1)
    expect(getStoreHub(store).durableParts().get('stream:hub')?.read()).toEqual({ cursor: 'b' })
  })
})

describe('stream over an EventSource', () => {
  it('reopens an EventSource factory from the last cursor after it closes', async () => {
    const opened: { cursor: string | null; source: FakeEventSource }[] = []
    const { store } = createTestStore({
      id: 'es',
      backoff: { baseMs: 1, capMs: 2 },
      connect: (cursor) => {
        const source = new FakeEventSource()
        opened.push({ cursor, source })
        return source
      },
    })
    cleanups.push(() => store.dispatch(streamStop({ id: 'es' })))
    await vi.waitFor(() => expect(opened).toHaveLength(1))
    opened[0]?.source.emit(JSON.stringify(append(1)), '1')
    opened[0]?.source.emit(JSON.stringify(append(2)), '2')
    await vi.waitFor(() => expect(store.getState().feed.items).toEqual([1, 2]))
    opened[0]?.source.fail(2)
    await vi.waitFor(() => expect(opened).toHaveLength(2))
    expect(opened[1]?.cursor).toBe('2')
    opened[1]?.source.emit(JSON.stringify(append(3)), '3')
    await vi.waitFor(() => expect(store.getState().feed.items).toEqual([1, 2, 3]))
  })
})

describe('stream and sync on one store, with a real relay', () => {
  let stopRelay: (() => Promise<void>) | undefined
  afterEach(async () => {
    await stopRelay?.()
    stopRelay = undefined
  })

  async function storeWithBoth(pushSources?: ('local' | 'stream')[]) {
    const relay = await startRelay()
    stopRelay = relay.stop
    const socket = relay.socketFor()
    const pushes: unknown[] = []
    socket.onAnyOutgoing((event, payload) => {
      if (event === 'push') pushes.push(payload)
    })
    const feed = createChangeFeed()
    const mw = sync({
      room: 'dash',
      allowKeys: ['todos'],
      socket,
      ...(pushSources ? { pushSources } : {}),
    })
    const store = makeStore([
      mw.middleware,
      stream({ id: 'news', source: feedIterable(feed) }).middleware,
    ])
    cleanups.push(() => mw.stop())
    await live(store, 'dash')
    return { relay, store, feed, pushes }
  }

  async function* feedIterable(feed: ReturnType<typeof createChangeFeed>) {
    let seen: string | null = null
    for (;;) {
      const entries = feed.since(seen)
      for (const entry of entries) {
        seen = entry.id
        yield entry.data
      }
      // Polls the in-memory feed; the stream ends this generator with return() when stopped.
      await new Promise((r) => setTimeout(r, 2))
    }
  }

  it('never pushes streamed changes to the relay; local edits still go out', async () => {
    const { relay, store, feed, pushes } = await storeWithBoth()
    cleanups.push(() => store.dispatch(streamStop({ id: 'news' })))
    feed.append(addTodo('streamed 1', 1))
    feed.append(addTodo('streamed 2', 2))
    await eventually(() =>
      expect(store.getState().todos.items).toEqual(['streamed 1', 'streamed 2']),
    )
    store.dispatch(todos.actions.added('typed'))
    await eventually(() => expect(store.getState().patchwire.sync.dash?.pending).toBe(0))
    // The first push seeds the empty room with the initial state; no push carries a streamed value.
    expect(JSON.stringify(pushes)).toContain('typed')
    expect(JSON.stringify(pushes)).not.toContain('streamed')
    expect(((await relay.roomState('dash')).todos as { items: string[] }).items).toEqual(['typed'])
  })

  it('pushes streamed changes when sync is asked to with pushSources', async () => {
    const { relay, store, feed } = await storeWithBoth(['local', 'stream'])
    cleanups.push(() => store.dispatch(streamStop({ id: 'news' })))
    feed.append(addTodo('shared', 1))
    await eventually(() => expect(store.getState().todos.items).toEqual(['shared']))
    await eventually(() => expect(store.getState().patchwire.sync.dash?.pending).toBe(0))
    expect(((await relay.roomState('dash')).todos as { items: string[] }).items).toEqual(['shared'])
  })
})
