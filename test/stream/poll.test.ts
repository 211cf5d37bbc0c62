import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { persist } from '../../middleware/persist/persist'
import { createMemoryStorage } from '../../middleware/persist/storages/memoryStorage'
import {
  streamError,
  streamStart,
  streamStop,
  streamStopped,
} from '../../middleware/stream/actions'
import type { PollFetch, PollHalt, PollPage } from '../../middleware/stream/pollTypes'
import { stream } from '../../middleware/stream/stream'
import type { StreamOptions } from '../../middleware/stream/types'
import { streamStatusChanged } from '../../slices/patchwireSlice'
import type { PollPhase } from '../../slices/pollStatus'
import { PatchwireError } from '../../src/errors'
import { append, createTestStore, startServer } from './helpers'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

type Step = PollPage | PollHalt | Error

/** A poll function that answers `steps` in turn (an Error is thrown), then empty pages; records each cursor asked for. */
function scripted(steps: Step[]) {
  const cursors: (string | null)[] = []
  const fetch: PollFetch = async (cursor) => {
    cursors.push(cursor)
    const step = steps.shift() ?? { chunks: [] }
    if (step instanceof Error) throw step
    return step
  }
  return { fetch, cursors }
}

const page = (cursor: string, ...values: number[]): PollPage => ({
  chunks: values.map(append),
  cursor,
})

function pollStore(options: Omit<StreamOptions, 'id'>) {
  const test = createTestStore({ id: 'feed', ...options })
  cleanups.push(() => test.store.dispatch(streamStop({ id: 'feed' })))
  const status = () => test.store.getState().patchwire.streams.feed
  const phases = () => {
    const seen: PollPhase[] = []
    for (const action of test.actions) {
      if (!streamStatusChanged.match(action)) continue
      const phase = action.payload.poll?.phase
      if (phase !== undefined && seen.at(-1) !== phase) seen.push(phase)
    }
    return seen
  }
  return { ...test, status, phases }
}

const failing = (n: number) => Array.from({ length: n }, (_, i) => new Error(`down ${i + 1}`))

describe('stream poll, on a fake clock', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  /** Advances by `ms` and expects exactly one more poll at its very end, none before. */
  async function expectPollAfter(cursors: unknown[], ms: number) {
    const before = cursors.length
    await vi.advanceTimersByTimeAsync(ms - 1)
    expect(cursors).toHaveLength(before)
    await vi.advanceTimersByTimeAsync(1)
    expect(cursors).toHaveLength(before + 1)
  }

  it('polls at start, then every 2 s by default after each healthy page, from the last cursor', async () => {
    const { fetch, cursors } = scripted([page('1', 1), page('2', 2), page('3', 3)])
    const { store } = pollStore({ poll: { fetch } })
    await vi.advanceTimersByTimeAsync(0)
    expect(cursors).toEqual([null])
    await expectPollAfter(cursors, 2000)
    await expectPollAfter(cursors, 2000)
    expect(cursors).toEqual([null, '1', '2'])
    expect(store.getState().feed.items).toEqual([1, 2, 3])
  })

  it('starts from the cursor a server render embedded', async () => {
    const { fetch, cursors } = scripted([page('8', 8)])
    pollStore({ poll: { fetch }, cursor: '7' })
    await vi.advanceTimersByTimeAsync(0)
    expect(cursors).toEqual(['7'])
  })

  it('polls again at once while pages say more, then settles on the interval', async () => {
    const { fetch, cursors } = scripted([
      { ...page('1', 1), more: true },
      { ...page('2', 2), more: true },
      page('3', 3),
    ])
    const { store, status } = pollStore({ poll: { fetch, intervalMs: 500 } })
    await vi.advanceTimersByTimeAsync(0)
    expect(cursors).toEqual([null, '1', '2'])
    expect(store.getState().feed.items).toEqual([1, 2, 3])
    expect(status()?.poll).toMatchObject({ phase: 'streaming', nextPollInMs: 500 })
    await expectPollAfter(cursors, 500)
  })

  it('backs off exponentially from twice the interval and caps the wait at 60 s', async () => {
    const { fetch, cursors } = scripted(failing(8))
    const { status } = pollStore({
      poll: { fetch, intervalMs: 1000 },
      backoff: { random: () => 0.5 },
    })
    await vi.advanceTimersByTimeAsync(0)
    for (const [i, delay] of [2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000].entries()) {
      expect(status()?.poll).toMatchObject({ consecutiveFailures: i + 1, nextPollInMs: delay })
      await expectPollAfter(cursors, delay)
    }
  })

  it('draws each wait within ±10 % of its step and never above the cap', async () => {
    const waits = async (random: () => number) => {
      const { fetch } = scripted(failing(7))
      const { store, status } = pollStore({
        poll: { fetch, intervalMs: 1000 },
        backoff: { random },
      })
      const seen: (number | null | undefined)[] = []
      await vi.advanceTimersByTimeAsync(0)
      for (let i = 0; i < 7; i++) {
        const wait = status()?.poll?.nextPollInMs
        seen.push(wait)
        await vi.advanceTimersByTimeAsync(wait ?? 0)
      }
      store.dispatch(streamStop({ id: 'feed' }))
      return seen
    }
    expect(await waits(() => 0)).toEqual([1800, 3600, 7200, 14_400, 28_800, 54_000, 54_000])
    expect(await waits(() => 0.999_999)).toEqual([2199, 4399, 8799, 17_599, 35_199, 60_000, 60_000])
  })

  it('waits the healthy interval again after a success, and backs off from the first step', async () => {
    const { fetch, cursors } = scripted([...failing(3), page('1', 1), new Error('down again')])
    const { status } = pollStore({
      poll: { fetch, intervalMs: 1000 },
      backoff: { random: () => 0.5 },
    })
    await vi.advanceTimersByTimeAsync(0)
    await expectPollAfter(cursors, 2000)
    await expectPollAfter(cursors, 4000)
    await expectPollAfter(cursors, 8000)
    expect(status()?.poll).toMatchObject({ consecutiveFailures: 0, nextPollInMs: 1000 })
    await expectPollAfter(cursors, 1000)
    expect(status()?.poll).toMatchObject({ consecutiveFailures: 1, nextPollInMs: 2000 })
    await expectPollAfter(cursors, 2000)
  })

  it('walks bootstrapping → streaming → retrying → streaming → halted, and idle after a stop', async () => {
    const { fetch } = scripted([
      { ...page('1', 1), more: true },
      page('2', 2),
      new Error('down'),
      page('3', 3),
      { halt: 'forbidden' },
    ])
    const { store, phases } = pollStore({
      poll: { fetch, intervalMs: 1000 },
      backoff: { random: () => 0.5 },
    })
    await vi.advanceTimersByTimeAsync(0)
    expect(phases()).toEqual(['bootstrapping', 'streaming'])
    await vi.advanceTimersByTimeAsync(1000)
    expect(phases()).toEqual(['bootstrapping', 'streaming', 'retrying'])
    await vi.advanceTimersByTimeAsync(2000)
    await vi.advanceTimersByTimeAsync(1000)
    expect(phases()).toEqual(['bootstrapping', 'streaming', 'retrying', 'streaming', 'halted'])
    store.dispatch(streamStart({ id: 'feed' }))
    await vi.advanceTimersByTimeAsync(0)
    store.dispatch(streamStop({ id: 'feed' }))
    expect(phases().slice(5)).toEqual(['bootstrapping', 'streaming', 'idle'])
    expect(store.getState().patchwire.streams.feed?.state).toBe('stopped')
  })

  it('reports the last batch size, consecutive failures, the next poll in ms and the throughput', async () => {
    const { fetch } = scripted([page('4', 1, 2, 3, 4), page('10', 5, 6, 7, 8, 9, 10), page('10')])
    const { status } = pollStore({ poll: { fetch, intervalMs: 1000 } })
    await vi.advanceTimersByTimeAsync(0)
    const figures = {
      phase: 'streaming',
      consecutiveFailures: 0,
      nextPollInMs: 1000,
      haltReason: null,
    }
    expect(status()).toMatchObject({ state: 'live', cursor: '4', chunksApplied: 4 })
    expect(status()?.poll).toEqual({ ...figures, lastBatchSize: 4, throughput: 4 })
    await vi.advanceTimersByTimeAsync(1000)
    expect(status()?.poll).toEqual({ ...figures, lastBatchSize: 6, throughput: 10 })
    await vi.advanceTimersByTimeAsync(1000)
    expect(status()?.poll).toEqual({ ...figures, lastBatchSize: 0, throughput: 5 })
    expect(status()).toMatchObject({ cursor: '10', chunksApplied: 10 })
  })

  it('halts on a { halt } answer with its typed reason and polls no more', async () => {
    const { fetch, cursors } = scripted([
      page('1', 1),
      { halt: 'forbidden', message: 'token revoked' },
    ])
    const { status, ofType } = pollStore({ poll: { fetch, intervalMs: 1000 } })
    await vi.advanceTimersByTimeAsync(1000)
    expect(status()).toMatchObject({ state: 'stopped', lastError: 'token revoked', cursor: '1' })
    expect(status()?.poll).toMatchObject({
      phase: 'halted',
      haltReason: 'forbidden',
      nextPollInMs: null,
    })
    const errors = ofType(streamError.type) as ReturnType<typeof streamError>[]
    expect(errors.map((a) => a.payload)).toEqual([
      {
        id: 'feed',
        message: 'token revoked',
        attempt: 1,
        nextRetryAt: null,
        haltReason: 'forbidden',
      },
    ])
    expect(ofType(streamStopped.type)).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(10 * 60_000)
    expect(cursors).toEqual([null, '1'])
  })

  it('halts when fetch throws a PatchwireError coded with a refusal reason', async () => {
    const { fetch, cursors } = scripted([
      new PatchwireError('bad_request', 'unknown collection', { reason: 'collection' }),
    ])
    const { status } = pollStore({ poll: { fetch } })
    await vi.advanceTimersByTimeAsync(10 * 60_000)
    expect(cursors).toHaveLength(1)
    expect(status()).toMatchObject({ state: 'stopped', lastError: 'unknown collection' })
    expect(status()?.poll).toMatchObject({ phase: 'halted', haltReason: 'bad_request' })
  })

  it('retries a thrown rate_limited PatchwireError instead of halting', async () => {
    const { fetch, cursors } = scripted([
      new PatchwireError('rate_limited', 'slow down', { limit: 10 }),
      page('1', 1),
    ])
    const { store, status } = pollStore({
      poll: { fetch, intervalMs: 1000 },
      backoff: { random: () => 0.5 },
    })
    await vi.advanceTimersByTimeAsync(0)
    expect(status()?.poll).toMatchObject({ phase: 'retrying', consecutiveFailures: 1 })
    await expectPollAfter(cursors, 2000)
    expect(store.getState().feed.items).toEqual([1])
    expect(status()?.poll?.phase).toBe('streaming')
  })

  it('counts a page of the wrong shape as a parse error and retries it', async () => {
    const { fetch, cursors } = scripted([{ items: [1] } as never, page('1', 1)])
    const { store, status } = pollStore({
      poll: { fetch, intervalMs: 1000 },
      backoff: { random: () => 0.5 },
    })
    await vi.advanceTimersByTimeAsync(0)
    expect(store.getState().patchwire.counters.parseErrors).toBe(1)
    expect(status()).toMatchObject({
      state: 'retrying',
      lastError: expect.stringMatching(/chunks/),
    })
    await expectPollAfter(cursors, 2000)
    expect(store.getState().feed.items).toEqual([1])
  })

  it('rejects an invalid chunk of a page, applies the rest and moves the cursor past it', async () => {
    const { fetch, cursors } = scripted([
      { chunks: [append(1), { type: 'nope' }, append(3)], cursor: '3' },
    ])
    const { store } = pollStore({ poll: { fetch, intervalMs: 1000 } })
    await vi.advanceTimersByTimeAsync(1000)
    expect(store.getState().feed.items).toEqual([1, 3])
    expect(store.getState().patchwire.counters.parseErrors).toBe(1)
    expect(cursors).toEqual([null, '3'])
  })

  it('resumes after the id of the last chunk when a page names no cursor', async () => {
    const { fetch, cursors } = scripted([
      {
        chunks: [
          { ...append(1), id: 'a' },
          { ...append(2), id: 'b' },
        ],
      },
    ])
    pollStore({ poll: { fetch, intervalMs: 1000 } })
    await vi.advanceTimersByTimeAsync(1000)
    expect(cursors).toEqual([null, 'b'])
  })

  it('aborts the poll in flight on streamStop and applies nothing it answers later', async () => {
    const signals: AbortSignal[] = []
    let answer: (page: PollPage) => void = () => {}
    const { store, status } = pollStore({
      poll: {
        fetch: (_cursor, { signal }) => {
          signals.push(signal)
          return new Promise<PollPage>((resolve) => {
            answer = resolve
          })
        },
      },
    })
    await vi.advanceTimersByTimeAsync(0)
    store.dispatch(streamStop({ id: 'feed' }))
    expect(signals[0]?.aborted).toBe(true)
    answer(page('1', 1))
    await vi.advanceTimersByTimeAsync(10_000)
    expect(store.getState().feed.items).toEqual([])
    expect(signals).toHaveLength(1)
    expect(status()?.poll?.phase).toBe('idle')
  })
})

describe('stream poll with persist', () => {
  it('resumes from the persisted cursor after a reload, applying no chunk twice', async () => {
    const log: number[] = [1, 2, 3]
    const cursors: (string | null)[] = []
    const fetch: PollFetch = (cursor) => {
      cursors.push(cursor)
      const after = cursor === null ? 0 : Number(cursor)
      return { chunks: log.slice(after).map(append), cursor: String(log.length) }
    }
    const storage = createMemoryStorage()
    const open = () => {
      const saver = persist({ storage, key: 'app', debounceMs: 60_000 })
      const opened = createTestStore(
        { id: 'feed', poll: { fetch, intervalMs: 20 } },
        { before: [saver.middleware] },
      )
      return { ...opened, saver }
    }
    const first = open()
    await vi.waitFor(() => expect(first.store.getState().feed.items).toEqual([1, 2, 3]))
    await first.saver.flush()
    first.store.dispatch(streamStop({ id: 'feed' }))

    log.push(4, 5)
    cursors.length = 0
    const second = open()
    cleanups.push(() => second.store.dispatch(streamStop({ id: 'feed' })))
    await vi.waitFor(() => expect(second.store.getState().feed.items).toEqual([1, 2, 3, 4, 5]))
    expect(cursors[0]).toBe('3')
    expect(second.store.getState().patchwire.streams.feed?.cursor).toBe('5')
  })
})

describe('stream poll of a URL, against a real HTTP server', () => {
  /** Serves `log` as pages of at most `pageSize`: GET /changes?since=<n> → { chunks, cursor, more }. */
  async function startPageServer(log: number[], answers: number[] = [], pageSize = 2) {
    const server = await startServer((req: IncomingMessage, res: ServerResponse) => {
      const status = answers.shift()
      if (status !== undefined) {
        res.writeHead(status, { 'content-type': 'text/plain' }).end('no')
        return
      }
      const since = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('since') ?? 0)
      const end = Math.min(log.length, since + pageSize)
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify({
          chunks: log.slice(since, end).map(append),
          cursor: String(end),
          more: end < log.length,
        }),
      )
    })
    cleanups.push(server.close)
    const sinces = () =>
      server.requests.map((r) => new URL(r.url ?? '/', 'http://x').searchParams.get('since'))
    return { ...server, sinces }
  }

  it('polls with the cursor as ?since=, catches up page by page, then applies what is added later', async () => {
    const log = [1, 2, 3, 4, 5]
    const server = await startPageServer(log)
    const { store } = pollStore({
      poll: { url: `${server.url}/changes`, intervalMs: 20 },
      headers: { authorization: 'Bearer t' },
    })
    await vi.waitFor(() => expect(store.getState().feed.items).toEqual([1, 2, 3, 4, 5]))
    expect(server.sinces().slice(0, 3)).toEqual([null, '2', '4'])
    expect(server.requests[0]?.headers.authorization).toBe('Bearer t')
    log.push(6)
    await vi.waitFor(() => expect(store.getState().feed.items).toEqual([1, 2, 3, 4, 5, 6]))
  })

  it.each([
    [401, 'forbidden'],
    [403, 'forbidden'],
    [404, 'bad_request'],
    [410, 'unknown'],
  ] as const)('halts on a %i answer with reason %s', async (code, reason) => {
    const server = await startPageServer([1], [code])
    const { status } = pollStore({ poll: { url: `${server.url}/changes`, intervalMs: 20 } })
    await vi.waitFor(() => expect(status()?.poll?.phase).toBe('halted'))
    expect(status()?.poll?.haltReason).toBe(reason)
    expect(status()?.lastError).toMatch(new RegExp(`answered ${code}`))
    expect(server.requests).toHaveLength(1)
  })

  it('retries 503, 429 and 408 answers with back-off and goes on once the server answers', async () => {
    const server = await startPageServer([1, 2], [503, 429, 408])
    const { store, status, phases, actions } = pollStore({
      poll: { url: `${server.url}/changes`, intervalMs: 20 },
      backoff: { baseMs: 5, capMs: 20 },
    })
    await vi.waitFor(() => expect(store.getState().feed.items).toEqual([1, 2]))
    expect(phases().slice(0, 3)).toEqual(['bootstrapping', 'retrying', 'streaming'])
    const failures = actions
      .filter(streamStatusChanged.match)
      .map((a) => a.payload.poll?.consecutiveFailures)
    expect(failures.slice(0, 5)).toEqual([0, 1, 2, 3, 0])
    expect(status()?.poll?.consecutiveFailures).toBe(0)
    expect(server.sinces().slice(0, 4)).toEqual([null, null, null, null])
  })

  it('counts a body that is not JSON as a parse error and retries', async () => {
    let served = 0
    const server = await startServer((req, res) => {
      served++
      const resumed = req.url?.includes('since=') === true
      res.writeHead(200, { 'content-type': 'application/json' })
      if (served === 1) res.end('<html>proxy error</html>')
      else res.end(JSON.stringify(resumed ? { chunks: [] } : page('1', 1)))
    })
    cleanups.push(server.close)
    const { store } = pollStore({
      poll: { url: `${server.url}/changes`, intervalMs: 20 },
      backoff: { baseMs: 5, capMs: 20 },
    })
    await vi.waitFor(() => expect(store.getState().feed.items).toEqual([1]))
    expect(store.getState().patchwire.counters.parseErrors).toBe(1)
  })
})

describe('stream poll options', () => {
  it('refuses a poll with neither or both of fetch and url, naming them', () => {
    expect(() => stream({ id: 'p', poll: {} })).toThrow(/poll\.fetch \| poll\.url/)
    expect(() => stream({ id: 'p', poll: { url: '/x', fetch: () => ({ chunks: [] }) } })).toThrow(
      /poll\.fetch \| poll\.url/,
    )
  })

  it('refuses poll together with another source, naming the options', () => {
    expect(() =>
      stream({ id: 'p', url: '/feed', poll: { fetch: () => ({ chunks: [] }) } }),
    ).toThrow(/source \| url \| connect \| poll/)
  })

  it('refuses an interval that is not a positive number, naming poll.intervalMs', () => {
    expect(() =>
      stream({ id: 'p', poll: { fetch: () => ({ chunks: [] }), intervalMs: 0 } }),
    ).toThrow(/poll\.intervalMs/)
  })

  it('refuses reconnect with poll, which always retries or halts', () => {
    expect(() =>
      stream({ id: 'p', reconnect: false, poll: { fetch: () => ({ chunks: [] }) } }),
    ).toThrow(/reconnect/)
  })

  it('refuses a jitter outside 0..1, naming backoff.jitter', () => {
    expect(() =>
      stream({ id: 'p', backoff: { jitter: 2 }, poll: { fetch: () => ({ chunks: [] }) } }),
    ).toThrow(/backoff\.jitter/)
  })
})
