import { configureStore } from '@reduxjs/toolkit'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { persist } from '../../middleware/persist/persist'
import { createMemoryStorage } from '../../middleware/persist/storages/memoryStorage'
import type { PersistStorage } from '../../middleware/persist/types'
import { streamStop } from '../../middleware/stream/actions'
import { stream } from '../../middleware/stream/stream'
import type { StreamOptions } from '../../middleware/stream/types'
import { createChangeFeed } from '../../server/sse/createChangeFeed'
import { serveChangeStream } from '../../server/sse/serveChangeStream'
import { patchwireReducer } from '../../slices/patchwireSlice'
import { patchwireMiddleware } from '../../src/index'
import { PATCHWIRE_KEY, withPatchwire } from '../../src/withPatchwire'
import { append, feedSlice, startServer } from './helpers'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** An SSE server over a feed holding events 1…n (ids '1'…'n', each appending its number). */
async function feedServer(n: number) {
  const feed = createChangeFeed()
  for (let i = 1; i <= n; i++) feed.append(append(i))
  const server = await startServer((req, res) => {
    void serveChangeStream(req, res, { subscribe: feed.subscribe, format: 'sse' })
  })
  cleanups.push(server.close)
  return {
    feed,
    server,
    lastEventIds: () => server.requests.map((r) => r.headers['last-event-id']),
  }
}

/**
 * A page load: a store preloaded with the items a server rendered, streaming from there.
 * persist keeps the cursor only: the streamed keys come from the render.
 */
function hydrate(items: number[], options: StreamOptions, storage?: PersistStorage) {
  const saver = storage
    ? persist({ storage, key: 'app', debounceMs: 60_000, deny: ['feed'] })
    : undefined
  const store = configureStore({
    reducer: withPatchwire({ feed: feedSlice.reducer, [PATCHWIRE_KEY]: patchwireReducer }),
    preloadedState: { feed: { items, prices: {} } } as never,
    middleware: (gDM) =>
      gDM().concat(
        ...(saver ? [saver.middleware] : []),
        patchwireMiddleware(),
        stream(options).middleware,
      ),
  })
  cleanups.push(() => store.dispatch(streamStop({ id: options.id })))
  return Object.assign(store, { saver })
}

describe('stream cursor (server-side rendering hand-off)', () => {
  it('a page rendered up to an event resumes after it: every later event once, none before', async () => {
    const { feed, server, lastEventIds } = await feedServer(5)
    const store = hydrate([1, 2, 3], { id: 'ticks', url: server.url, cursor: '3' })
    await vi.waitFor(() => expect(store.getState().feed.items).toHaveLength(5))
    feed.append(append(6))
    await vi.waitFor(() => expect(store.getState().feed.items).toHaveLength(6))

    expect(store.getState().feed.items).toEqual([1, 2, 3, 4, 5, 6])
    expect(lastEventIds()).toEqual(['3'])
    expect(store.getState().patchwire.streams.ticks?.cursor).toBe('6')
  })

  it('the connect factory is first called with the rendered cursor', async () => {
    const calls: (string | null)[] = []
    const store = hydrate([1, 2], {
      id: 'ticks',
      cursor: '2',
      reconnect: false,
      connect: (cursor) => {
        calls.push(cursor)
        return [
          { ...append(3), id: '3' },
          { ...append(4), id: '4' },
        ]
      },
    })
    await vi.waitFor(() => expect(store.getState().patchwire.streams.ticks?.state).toBe('stopped'))

    expect(calls).toEqual(['2'])
    expect(store.getState().feed.items).toEqual([1, 2, 3, 4])
  })

  it('the rendered cursor wins over an older persisted one', async () => {
    const { server, lastEventIds } = await feedServer(2)
    const storage = createMemoryStorage()
    const earlier = hydrate([], { id: 'ticks', url: server.url }, storage)
    await vi.waitFor(() => expect(earlier.getState().patchwire.streams.ticks?.cursor).toBe('2'))
    await earlier.saver?.flush()
    earlier.dispatch(streamStop({ id: 'ticks' }))

    const { feed: later, server: rendering, lastEventIds: renderedIds } = await feedServer(4)
    const store = hydrate([1, 2, 3, 4], { id: 'ticks', url: rendering.url, cursor: '4' }, storage)
    later.append(append(5))
    await vi.waitFor(() => expect(store.getState().feed.items).toHaveLength(5))

    expect(store.getState().feed.items).toEqual([1, 2, 3, 4, 5])
    expect(lastEventIds()).toEqual([undefined])
    expect(renderedIds()).toEqual(['4'])
  })

  it('a cursor that is not a non-empty string throws at setup naming the option', () => {
    expect(() => stream({ id: 'ticks', url: 'http://127.0.0.1/', cursor: '' })).toThrow(
      /stream: cursor must be a non-empty string/,
    )
  })
})
