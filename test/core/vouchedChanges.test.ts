import { configureStore, createSlice, type MiddlewareAPI } from '@reduxjs/toolkit'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { patchwireMiddleware } from '../../middleware/patchwireMiddleware'
import { storeSink } from '../../middleware/stream/sink'
import { checkInWorker } from '../../middleware/stream/worker/checkChanges'
import { patchwireReducer } from '../../slices/patchwireSlice'
import { applyPatch } from '../../src/actions'
import type { ChangeInput, PatchOp, PathSegment } from '../../src/types'
import { vouchChecked } from '../../src/vouchedChanges'
import { PATCHWIRE_KEY, withPatchwire } from '../../src/withPatchwire'

const initial = () => ({
  m: { a: 1, b: { x: 1 } },
  l: [1, [2], { k: 3 }],
  s: 'text',
})

// Refuses a state whose `s` is not a string or whose `m` is not an object: ops of the
// property write both, so the gate refuses some changes of most batches.
const schema = z.object({
  data: z.object({ s: z.string(), m: z.record(z.string(), z.unknown()) }).loose(),
  [PATCHWIRE_KEY]: z.unknown(),
})

function createStore(withSchema = false) {
  const data = createSlice({ name: 'data', initialState: initial, reducers: {} })
  const rejected: { index: number; reason: string }[] = []
  const store = configureStore({
    reducer: withPatchwire(
      { data: data.reducer, [PATCHWIRE_KEY]: patchwireReducer },
      withSchema ? { schema } : {},
    ),
    middleware: (gDM) =>
      gDM({ serializableCheck: false, immutableCheck: false }).concat(
        patchwireMiddleware({
          onPatchRejected: (payload) => {
            rejected.push({ index: Number(payload.change.id), reason: payload.reason })
          },
        }),
      ),
  })
  return { store, rejected }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

// The reference: each change applied to a deep copy, op by op, in the plainest way; a change
// that fails anywhere leaves the state as it was before it.
function referenceApply(state: Json, ops: readonly PatchOp[]): Json {
  const next = structuredClone(state)
  for (const { op, path, value } of ops) {
    const segments = path as PathSegment[]
    let node: Json = next
    for (const seg of segments.slice(0, -1)) {
      if (Array.isArray(node)) {
        const i = asIndex(seg)
        if (i === null || i >= node.length) throw new Error('bad index')
        node = node[i]!
      } else if (node !== null && typeof node === 'object') {
        if (!Object.hasOwn(node, String(seg))) throw new Error('missing')
        node = node[String(seg)]!
      } else throw new Error('not a container')
      if (node === null || typeof node !== 'object') throw new Error('not a container')
    }
    const last = segments.at(-1)!
    const copy = structuredClone(value) as Json
    if (Array.isArray(node)) {
      const i = last === '-' && op === 'add' ? node.length : asIndex(last)
      if (i === null || i > node.length || (op !== 'add' && i === node.length))
        throw new Error('bad index')
      if (op === 'add') node.splice(i, 0, copy)
      else if (op === 'replace') node[i] = copy
      else node.splice(i, 1)
    } else if (node !== null && typeof node === 'object') {
      const key = String(last)
      if (op !== 'add' && !Object.hasOwn(node, key)) throw new Error('missing')
      if (op === 'remove') delete node[key]
      else node[key] = copy
    } else throw new Error('not a container')
  }
  return next
}

function asIndex(seg: PathSegment): number | null {
  if (typeof seg === 'number') return seg
  return /^(0|[1-9]\d*)$/.test(seg) ? Number(seg) : null
}

const segment = fc.constantFrom<PathSegment>(
  'm',
  'l',
  's',
  'a',
  'b',
  'x',
  'k',
  'new',
  '-',
  0,
  1,
  2,
  3,
  '1',
)
const value: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.string({ maxLength: 3 }),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.dictionary(fc.constantFrom('a', 'x', 'k'), fc.integer(), { maxKeys: 2 }),
  // Refused wherever it is written: the worker does not vouch for it, the sink refuses it.
  fc.constant('forbidden'),
)
const op = fc.record({
  op: fc.constantFrom('add' as const, 'replace' as const, 'remove' as const),
  path: fc.array(segment, { minLength: 1, maxLength: 3 }).map((p) => ['data', ...p]),
  value,
})
const batch = fc.array(fc.array(op, { minLength: 1, maxLength: 4 }), {
  minLength: 1,
  maxLength: 8,
})

/** The changes as the worker posts them: one JSON text, ids by position. */
function asText(batchOps: { op: string; path: PathSegment[]; value: unknown }[][]): string {
  const changes = batchOps.map((ops, i) => ({
    source: 'stream',
    id: String(i),
    ops: ops.map(({ op, path, value }) =>
      op === 'remove' ? { op, path } : { op, path, value: value === 'forbidden' ? '@F@' : value },
    ),
  }))
  // A value with an own "__proto__" key, as JSON.parse makes it from a hostile stream.
  return JSON.stringify(changes).replaceAll('"@F@"', '{"__proto__":{"polluted":true}}')
}

describe('vouched changes', () => {
  it('a batch the worker checked and vouched for reduces to the state and refusals of the same batch checked in full, and of a reference apply (property)', () => {
    fc.assert(
      fc.property(batch, (batchOps) => {
        const text = asText(batchOps)
        const plain = createStore()
        plain.store.dispatch(
          applyPatch({ changes: JSON.parse(text) as ChangeInput[] }, { RTK_autoBatch: true }),
        )

        // The worker's side: checked there, then the text crosses and is parsed again.
        const inWorker = JSON.parse(text) as ChangeInput[]
        const allChecked = checkInWorker(inWorker)
        const vouched = createStore()
        const parsed = JSON.parse(JSON.stringify(inWorker)) as ChangeInput[]
        vouchChecked(parsed)
        storeSink(vouched.store as unknown as MiddlewareAPI, undefined).apply(parsed, allChecked)

        let reference = { data: initial() } as Json
        const refused: number[] = []
        for (const [i, change] of (JSON.parse(text) as { ops: PatchOp[] }[]).entries()) {
          if (text.includes('__proto__') && JSON.stringify(change).includes('__proto__')) {
            refused.push(i)
            continue
          }
          try {
            reference = referenceApply(reference, change.ops)
          } catch {
            refused.push(i)
          }
        }

        // As text: key order counts too.
        expect(JSON.stringify(vouched.store.getState().data)).toBe(
          JSON.stringify(plain.store.getState().data),
        )
        expect(vouched.rejected).toEqual(plain.rejected)
        expect(vouched.store.getState().patchwire.counters).toEqual(
          plain.store.getState().patchwire.counters,
        )
        expect(plain.store.getState().data).toEqual((reference as { data: Json }).data)
        expect(plain.rejected.map((r) => r.index)).toEqual(refused)
      }),
      { seed: 4_242, numRuns: 400 },
    )
  })

  it('with a schema, a vouched batch is refused and applied change by change exactly as the same batch checked in full (property)', () => {
    let refusedBySchema = 0
    fc.assert(
      fc.property(batch, (batchOps) => {
        const text = asText(batchOps)
        const plain = createStore(true)
        plain.store.dispatch(
          applyPatch({ changes: JSON.parse(text) as ChangeInput[] }, { RTK_autoBatch: true }),
        )
        const inWorker = JSON.parse(text) as ChangeInput[]
        const allChecked = checkInWorker(inWorker)
        const vouched = createStore(true)
        const parsed = JSON.parse(JSON.stringify(inWorker)) as ChangeInput[]
        vouchChecked(parsed)
        storeSink(vouched.store as unknown as MiddlewareAPI, undefined).apply(parsed, allChecked)
        refusedBySchema += plain.rejected.filter((r) => r.reason === 'schema').length
        expect(vouched.store.getState().data).toEqual(plain.store.getState().data)
        expect(vouched.rejected).toEqual(plain.rejected)
      }),
      { seed: 4_243, numRuns: 300 },
    )
    // The gate had something to refuse.
    expect(refusedBySchema).toBeGreaterThan(0)
  })

  it('a vouched change that fails half-way against the state is refused whole and leaves the state as it was', () => {
    const { store, rejected } = createStore()
    const before = store.getState().data
    const changes = [
      {
        source: 'stream' as const,
        id: '0',
        ops: [
          { op: 'replace' as const, path: ['data', 'm', 'a'], value: 2 },
          { op: 'add' as const, path: ['data', 'l', '-'], value: 9 },
          { op: 'remove' as const, path: ['data', 'm', 'missing'] },
          { op: 'add' as const, path: ['data', 'm', 'c'], value: 3 },
        ],
      },
    ]
    expect(checkInWorker(changes)).toBe(true)
    storeSink(store as unknown as MiddlewareAPI, undefined).apply(changes, true)
    expect(rejected).toEqual([{ index: 0, reason: 'missing_path' }])
    expect(store.getState().data).toBe(before)
  })

  it('a vouched batch of a thousand one-op writes with refused changes among them applies the rest in order and reports each refusal at its index', () => {
    const { store, rejected } = createStore()
    const changes: ChangeInput[] = []
    for (let i = 0; i < 1000; i++) {
      changes.push({
        source: 'stream',
        id: String(i),
        ops: [{ op: 'add', path: ['data', 'm', `k${i % 7}`], value: i }],
      })
    }
    // Refused against the state, the status key and the root, between writes to one map.
    changes[300] = {
      source: 'stream',
      id: '300',
      ops: [{ op: 'add', path: ['data', 'nope', 'x'], value: 1 }],
    }
    changes[301] = {
      source: 'stream',
      id: '301',
      ops: [{ op: 'add', path: [PATCHWIRE_KEY, 'x'], value: 1 }],
    }
    changes[302] = { source: 'stream', id: '302', ops: [{ op: 'replace', path: [], value: 1 }] }
    changes[999] = {
      source: 'stream',
      id: '999',
      ops: [{ op: 'remove', path: ['data', 'm', 'gone'] }],
    }
    expect(checkInWorker(changes)).toBe(true)
    const before = store.getState()
    storeSink(store as unknown as MiddlewareAPI, undefined).apply(changes, true)
    expect(rejected).toEqual([
      { index: 300, reason: 'missing_path' },
      { index: 301, reason: 'forbidden_path' },
      { index: 302, reason: 'forbidden_path' },
      { index: 999, reason: 'missing_path' },
    ])
    const expected: Record<string, unknown> = { a: 1, b: { x: 1 } }
    for (let i = 0; i < 999; i++) if (i < 300 || i > 302) expected[`k${i % 7}`] = i
    expect(JSON.stringify(store.getState().data.m)).toBe(JSON.stringify(expected))
    expect(Object.isFrozen(store.getState().data.m)).toBe(true)
    // Untouched parts keep their identity; the input state was not written.
    expect(store.getState().data.l).toBe(before.data.l)
    expect(before.data.m).toEqual({ a: 1, b: { x: 1 } })
    expect(store.getState().patchwire.counters.rejected).toBe(4)
  })

  it('an applyPatch that looks like a worker batch but was not vouched for is checked in full', () => {
    const { store, rejected } = createStore()
    // The same text a worker would post, dispatched by hand (or imported, or posted from elsewhere).
    const changes = JSON.parse(
      '[{"source":"stream","id":"0","ops":[{"op":"add","path":["data","m","p"],"value":{"__proto__":{"polluted":true}}}]}]',
    ) as ChangeInput[]
    store.dispatch(applyPatch({ changes }, { RTK_autoBatch: true }))
    expect(rejected).toEqual([{ index: 0, reason: 'forbidden_path' }])
    expect(store.getState().data.m).toEqual({ a: 1, b: { x: 1 } })
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined()
  })

  it('changes of a vouched list dispatched by hand in an action of their own are checked in full', () => {
    const { store, rejected } = createStore()
    const changes = JSON.parse(
      '[{"source":"stream","id":"0","ops":[{"op":"add","path":["data","m","p"],"value":{"__proto__":{"polluted":true}}}]}]',
    ) as ChangeInput[]
    vouchChecked(changes)
    store.dispatch(applyPatch({ changes }, { RTK_autoBatch: true }))
    expect(rejected).toEqual([{ index: 0, reason: 'forbidden_path' }])
  })
})
