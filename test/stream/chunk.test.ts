import { describe, expect, it } from 'vitest'
import { chunkToChanges } from '../../middleware/stream/chunk'
import { isPatchwireError } from '../../src/errors'

const state = { feed: { items: [1, 2], prices: { a: 1 } }, patchwire: {} }
const getState = () => state

describe('chunkToChanges', () => {
  it('turns a patch chunk into one stream change with its ops', () => {
    const ops = [{ op: 'replace' as const, path: '/feed/prices/a', value: 2 }]
    expect(chunkToChanges({ type: 'patch', ops }, getState, {})).toEqual([
      { ops, source: 'stream' },
    ])
  })

  it('sets an object key with add, so a replace chunk may create it', () => {
    expect(
      chunkToChanges({ type: 'replace', path: '/feed/prices/b', value: 3 }, getState, {}),
    ).toEqual([{ source: 'stream', ops: [{ op: 'add', path: ['feed', 'prices', 'b'], value: 3 }] }])
  })

  it('overwrites an array index with replace instead of inserting', () => {
    const [change] = chunkToChanges(
      { type: 'replace', path: ['feed', 'items', 0], value: 9 },
      getState,
      {},
    )
    expect(change?.ops).toEqual([{ op: 'replace', path: ['feed', 'items', 0], value: 9 }])
  })

  it('replaces the root key by key and never writes the status key', () => {
    const [change] = chunkToChanges(
      { type: 'replace', value: { feed: { items: [], prices: {} }, patchwire: {} } },
      getState,
      {},
    )
    expect(change?.ops).toEqual([{ op: 'add', path: ['feed'], value: { items: [], prices: {} } }])
  })

  it('hands other shapes to map and skips a chunk map returns null for', () => {
    const map = (chunk: unknown) => {
      const tick = chunk as { symbol: string; price: number }
      if (tick.price < 0) return null
      return {
        ops: [{ op: 'add' as const, path: ['feed', 'prices', tick.symbol], value: tick.price }],
      }
    }
    expect(chunkToChanges({ symbol: 'x', price: 4 }, getState, { map })).toEqual([
      { source: 'stream', ops: [{ op: 'add', path: ['feed', 'prices', 'x'], value: 4 }] },
    ])
    expect(chunkToChanges({ symbol: 'x', price: -1 }, getState, { map })).toEqual([])
  })

  it('refuses unknown shapes, ops without a valid op and replace chunks without a value as bad requests', () => {
    const bad = [
      { kind: 'patch' },
      { type: 'patch', ops: 'nope' },
      { type: 'patch', ops: [{ op: 'move', path: '/a' }] },
      { type: 'patch', ops: [{ op: 'add', path: 3, value: 1 }] },
      { type: 'replace', path: '/feed/prices/a' },
      { type: 'replace', value: 5 },
      { type: 'replace', path: 'no-slash', value: 1 },
      null,
    ]
    for (const chunk of bad) {
      let caught: unknown
      try {
        chunkToChanges(chunk, getState, {})
      } catch (err) {
        caught = err
      }
      expect(isPatchwireError(caught, 'bad_request'), JSON.stringify(chunk)).toBe(true)
    }
  })

  it('reports a map that throws as a bad request', () => {
    const map = () => {
      throw new Error('boom')
    }
    expect(() => chunkToChanges({ any: 1 }, getState, { map })).toThrow(/map threw: boom/)
  })
})
