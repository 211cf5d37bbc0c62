import { describe, expect, it, vi } from 'vitest'
import { z } from 'zod'
import { streamStarted, streamStopped } from '../../middleware/stream/actions'
import { stream } from '../../middleware/stream/stream'
import { countersIncremented, streamStatusChanged } from '../../slices/patchwireSlice'
import { type ApplyPatchAction, applyPatch, patchRejected } from '../../src/actions'
import { PatchwireError } from '../../src/errors'
import { append, createTestStore } from './helpers'

const Schema = z.object({
  feed: z.object({
    items: z.array(z.number().nonnegative()),
    prices: z.record(z.string(), z.number()),
  }),
})

async function* chunks(list: unknown[]) {
  for (const chunk of list) yield chunk
}

describe('stream over an async iterable', () => {
  it('applies chunks that arrive within one tick as one applyPatch with every chunk as its own change, in order', async () => {
    const list = Array.from({ length: 20 }, (_, i) => append(i))
    const { store, ofType } = createTestStore({ id: 'nums', source: chunks(list) })
    await vi.waitFor(() => expect(store.getState().feed.items).toHaveLength(20))
    const patches = ofType(applyPatch.type) as ApplyPatchAction[]
    expect(patches).toHaveLength(1)
    expect(patches[0]?.meta.RTK_autoBatch).toBe(true)
    expect(patches[0]?.payload.changes.map((c) => [c.source, c.ops[0]?.value])).toEqual(
      list.map((_, i) => ['stream', i]),
    )
  })

  it('dispatches one applyPatch per chunk with batch: false', async () => {
    const { store, ofType } = createTestStore({
      id: 'nums',
      batch: false,
      source: chunks([append(1), append(2), append(3)]),
    })
    await vi.waitFor(() => expect(store.getState().feed.items).toEqual([1, 2, 3]))
    expect(ofType(applyPatch.type)).toHaveLength(3)
  })

  it('reports invalid chunks in the middle as client rejections and parse errors, and applies the rest', async () => {
    const rejected: string[] = []
    const { store, ofType } = createTestStore({
      id: 'nums',
      source: chunks([
        append(1),
        { type: 'nope' },
        append(2),
        { type: 'patch', ops: 5 },
        append(3),
      ]),
      onError: () => rejected.push('error'),
    })
    await vi.waitFor(() => expect(store.getState().patchwire.streams.nums?.state).toBe('stopped'))
    expect(store.getState().feed.items).toEqual([1, 2, 3])
    const rejections = ofType(patchRejected.type) as ReturnType<typeof patchRejected>[]
    expect(rejections.map((r) => [r.payload.stage, r.payload.reason, r.payload.source])).toEqual([
      ['client', 'bad_request', 'stream'],
      ['client', 'bad_request', 'stream'],
    ])
    expect(store.getState().patchwire.counters).toMatchObject({
      parseErrors: 2,
      rejected: 2,
      applied: 3,
    })
    expect(rejected).toEqual([])
  })

  it('keeps the log in stream order around an invalid chunk', async () => {
    const { ofType, actions, store } = createTestStore({
      id: 'nums',
      source: chunks([append(1), 'garbage', append(2)]),
    })
    await vi.waitFor(() => expect(store.getState().feed.items).toEqual([1, 2]))
    const order = actions
      .filter((a) => a.type === applyPatch.type || a.type === patchRejected.type)
      .map((a) => a.type)
    expect(order).toEqual([applyPatch.type, patchRejected.type, applyPatch.type])
    expect(ofType(countersIncremented.type)).toHaveLength(1)
  })

  it('makes a chunk the schema refuses visible as a sink rejection and goes on', async () => {
    const { store, ofType } = createTestStore(
      { id: 'nums', source: chunks([append(1), append(-5), append(2)]) },
      { schema: Schema },
    )
    await vi.waitFor(() => expect(store.getState().feed.items).toEqual([1, 2]))
    const rejections = ofType(patchRejected.type) as ReturnType<typeof patchRejected>[]
    expect(rejections.map((r) => [r.payload.stage, r.payload.reason])).toEqual([['sink', 'schema']])
  })

  it('applies replace and patch chunks mixed, in order', async () => {
    const { store } = createTestStore({
      id: 'mixed',
      source: chunks([
        { type: 'replace', path: '/feed/prices/a', value: 1 },
        { type: 'patch', ops: [{ op: 'replace', path: '/feed/prices/a', value: 2 }] },
        { type: 'replace', path: ['feed', 'prices', 'b'], value: 3 },
        { type: 'replace', value: { feed: { items: [7], prices: { c: 4 } } } },
        { type: 'patch', ops: [{ op: 'add', path: '/feed/prices/d', value: 5 }] },
        { type: 'replace', path: '/feed/items/0', value: 8 },
      ]),
    })
    await vi.waitFor(() =>
      expect(store.getState().feed).toEqual({ items: [8], prices: { c: 4, d: 5 } }),
    )
  })

  it('takes each chunk id as the cursor and counts chunks applied per batch, not per chunk', async () => {
    const list = [{ ...append(1), id: 'a' }, { ...append(2), id: 'b' }, append(3)]
    const { store, ofType } = createTestStore({ id: 'ids', source: chunks(list) })
    await vi.waitFor(() => expect(store.getState().patchwire.streams.ids?.state).toBe('stopped'))
    expect(store.getState().patchwire.streams.ids).toMatchObject({ cursor: 'b', chunksApplied: 3 })
    const counts = (ofType(streamStatusChanged.type) as ReturnType<typeof streamStatusChanged>[])
      .map((a) => a.payload.chunksApplied)
      .filter((n) => n !== undefined)
    expect(counts).toEqual([3])
  })

  it('announces start and end of a one-shot source with streamStarted and streamStopped', async () => {
    const { store, ofType } = createTestStore({ id: 'once', source: chunks([append(1)]) })
    await vi.waitFor(() => expect(ofType(streamStopped.type)).toHaveLength(1))
    expect(ofType(streamStarted.type)).toEqual([streamStarted({ id: 'once', cursor: null })])
    expect(store.getState().patchwire.streams.once?.state).toBe('stopped')
  })

  it('reads an iterable only as fast as batches are applied when the reducer is 100 times slower', async () => {
    const total = 3000
    const maxBatch = 25
    let produced = 0
    let maxInFlight = 0
    let applied = 0
    let ordered = true
    const { store } = createTestStore(
      {
        id: 'fast',
        maxBatch,
        source: (async function* () {
          while (produced < total) {
            produced++
            maxInFlight = Math.max(maxInFlight, produced - applied)
            yield append(produced)
          }
        })(),
      },
      {
        before: [
          // A slow reducer stand-in: each applyPatch costs what a hundred chunk productions cost.
          () => (next) => (action) => {
            const result = next(action)
            if (applyPatch.match(action)) {
              for (const change of action.payload.changes) {
                applied++
                if (change.ops[0]?.value !== applied) ordered = false
              }
              const until = Date.now() + 1
              while (Date.now() < until) {}
            }
            return result
          },
        ],
      },
    )
    await vi.waitFor(() => expect(store.getState().feed.items).toHaveLength(total), {
      timeout: 20_000,
    })
    expect(ordered).toBe(true)
    expect(maxInFlight).toBeLessThanOrEqual(maxBatch + 1)
    expect(store.getState().feed.items.at(-1)).toBe(total)
  })
})

describe('stream options', () => {
  it('throws at setup naming the option that is wrong', () => {
    const source = chunks([])
    expect(() => stream({ id: '', source })).toThrow(/stream: id/)
    expect(() => stream({ id: 'x' })).toThrow(/source \| url \| connect/)
    expect(() => stream({ id: 'x', source, url: 'http://x' })).toThrow(/given exactly once/)
    expect(() => stream({ id: 'x', source: 5 as never })).toThrow(/stream: source/)
    expect(() => stream({ id: 'x', source, maxBatch: 0 })).toThrow(/maxBatch/)
    expect(() => stream({ id: 'x', source, format: 'xml' as never })).toThrow(PatchwireError)
    expect(() => stream({ id: 'x', source, backoff: { capMs: 120_000 } })).toThrow(/capMs/)
  })
})
