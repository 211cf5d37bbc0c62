import { configureStore } from '@reduxjs/toolkit'
import { describe, expect, it, vi } from 'vitest'
import { streamStart, streamStop } from '../../middleware/stream/actions'
import { stream } from '../../middleware/stream/stream'
import { patchwireReducer } from '../../slices/patchwireSlice'
import { PatchwireError } from '../../src/errors'
import { PATCHWIRE_KEY, withPatchwire } from '../../src/withPatchwire'
import { append, createTestStore, feedSlice } from './helpers'

/** A connect factory whose every connection yields the events after `cursor` from `log`, then waits. */
function endlessFeed(log: number[]) {
  const cursors: (string | null)[] = []
  const connect = (cursor: string | null) => {
    cursors.push(cursor)
    return (async function* () {
      const from = cursor === null ? 0 : Number(cursor)
      for (let i = from; i < log.length; i++)
        yield { ...append(log[i] as number), id: String(i + 1) }
      await new Promise(() => {})
    })()
  }
  return { connect, cursors }
}

describe('the stream instance', () => {
  it('stop() closes the stream and dispatches streamStop, so DevTools shows it', async () => {
    const feed = endlessFeed([1, 2])
    const { store, stream: prices, ofType } = createTestStore({ id: 'p', connect: feed.connect })
    await vi.waitFor(() => expect(store.getState().feed.items).toEqual([1, 2]))
    prices.stop()
    expect(ofType(streamStop.type)).toEqual([streamStop({ id: 'p' })])
    await vi.waitFor(() => expect(store.getState().patchwire.streams.p?.state).toBe('stopped'))
  })

  it('start() after stop() resumes from the last applied cursor and dispatches streamStart', async () => {
    const log = [1, 2]
    const feed = endlessFeed(log)
    const { store, stream: prices, ofType } = createTestStore({ id: 'p', connect: feed.connect })
    await vi.waitFor(() => expect(store.getState().feed.items).toEqual([1, 2]))
    prices.stop()
    await vi.waitFor(() => expect(store.getState().patchwire.streams.p?.state).toBe('stopped'))
    log.push(3)
    prices.start()
    await vi.waitFor(() => expect(store.getState().feed.items).toEqual([1, 2, 3]))
    expect(ofType(streamStart.type)).toEqual([streamStart({ id: 'p' })])
    expect(feed.cursors).toEqual([null, '2'])
    prices.stop()
  })

  it('start() with autoStart: false opens the first connection', async () => {
    const feed = endlessFeed([7])
    const { store, stream: prices } = createTestStore({
      id: 'p',
      connect: feed.connect,
      autoStart: false,
    })
    await Promise.resolve()
    expect(feed.cursors).toEqual([])
    prices.start()
    await vi.waitFor(() => expect(store.getState().feed.items).toEqual([7]))
    prices.stop()
  })

  it('throws at the second store an instance is installed in, naming the option', () => {
    const prices = stream({ id: 'p', connect: endlessFeed([]).connect, autoStart: false })
    const make = () =>
      configureStore({
        reducer: withPatchwire({ feed: feedSlice.reducer, [PATCHWIRE_KEY]: patchwireReducer }),
        middleware: (gDM) => gDM().concat(prices.middleware),
      })
    make()
    let error: unknown
    try {
      make()
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(PatchwireError)
    expect((error as PatchwireError<'option'>).details.option).toBe('middleware')
    expect((error as Error).message).toMatch(/stream\("p"\)\.middleware is already installed/)
  })
})
