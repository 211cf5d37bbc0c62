import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { applyOps } from '../../src/applyOps'
import { createHistoryBatch } from '../../src/historyBatch'
import { createPatchBatch } from '../../src/patchBatch'
import type { PatchOp } from '../../src/types'

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}

const start = () =>
  deepFreeze({ map: { a: 1, b: 2, c: 3 }, list: ['x', 'y'], other: { keep: true } })

// Changes to a small state, some of which do not fit it; `refuse` stands for a schema refusal.
const key = fc.constantFrom('a', 'b', 'c', 'd')
const op: fc.Arbitrary<PatchOp> = fc.oneof(
  fc.record({
    op: fc.constantFrom('add' as const, 'replace' as const, 'remove' as const),
    path: fc.tuple(fc.constant('map'), key),
    value: fc.integer(),
  }),
  fc.record({
    op: fc.constantFrom('add' as const, 'replace' as const, 'remove' as const),
    path: fc.tuple(fc.constant('list'), fc.oneof(fc.nat({ max: 4 }), fc.constant('-'))),
    value: fc.string({ maxLength: 2 }),
  }),
  fc.record({
    op: fc.constant('add' as const),
    path: fc.tuple(fc.constantFrom('nested'), key),
    value: fc.dictionary(key, fc.integer(), { maxKeys: 2 }),
  }),
)
const changeArb = fc.record({
  ops: fc.array(op, { minLength: 1, maxLength: 4 }),
  refuse: fc.boolean(),
})

type Json = null | number | string | Json[] | { [key: string]: Json }
// The plainest reference: the change applied to a deep copy, op by op.
function plainApply(state: Json, ops: readonly PatchOp[]): Json {
  const next = structuredClone(state)
  for (const { op, path, value } of ops) {
    const segments = path as (string | number)[]
    let node = next as Record<string, Json> | Json[]
    for (const seg of segments.slice(0, -1)) {
      const child: Json | undefined = Array.isArray(node)
        ? node[Number(seg)]
        : Object.hasOwn(node, String(seg))
          ? node[String(seg)]
          : undefined
      if (child === null || typeof child !== 'object') throw new Error('no container')
      node = child
    }
    const last = segments.at(-1)!
    if (Array.isArray(node)) {
      const i = last === '-' ? node.length : Number(last)
      if (!(i <= node.length && (op === 'add' || i < node.length))) throw new Error('index')
      if (op === 'add') node.splice(i, 0, structuredClone(value) as Json)
      else if (op === 'replace') node[i] = structuredClone(value) as Json
      else node.splice(i, 1)
    } else {
      if (op !== 'add' && !Object.hasOwn(node, String(last))) throw new Error('missing')
      if (op === 'remove') delete node[String(last)]
      else node[String(last)] = structuredClone(value) as Json
    }
  }
  return next
}

describe('createPatchBatch', () => {
  it('a failing change after an earlier change wrote the same map leaves the map as the earlier change left it', () => {
    const batch = createPatchBatch(start())
    batch.apply([{ op: 'replace', path: ['map', 'a'], value: 10 }])
    expect(() =>
      batch.apply([
        { op: 'remove', path: ['map', 'b'] },
        { op: 'add', path: ['map', 'z'], value: 26 },
        { op: 'replace', path: ['map', 'a'], value: 99 },
        { op: 'remove', path: ['map', 'missing'] },
      ]),
    ).toThrowError(expect.objectContaining({ code: 'missing_path' }))
    const next = batch.finish()
    expect(next.map).toEqual({ a: 10, b: 2, c: 3 })
    expect(Object.keys(next.map)).toEqual(['a', 'b', 'c'])
  })

  it('copies a container once per batch, however many changes write into it', () => {
    const batch = createPatchBatch(start())
    batch.apply([{ op: 'replace', path: ['map', 'a'], value: 10 }])
    const afterFirst = batch.current.map
    batch.apply([{ op: 'replace', path: ['map', 'b'], value: 20 }])
    expect(batch.current.map).toBe(afterFirst)
    expect(batch.finish().map).toEqual({ a: 10, b: 20, c: 3 })
  })

  it('undoLast rolls back array inserts, replaces and removals of a change', () => {
    const batch = createPatchBatch(start())
    batch.apply([{ op: 'add', path: ['list', '-'], value: 'z' }])
    batch.apply([
      { op: 'add', path: ['list', 0], value: 'first' },
      { op: 'remove', path: ['list', 2] },
      { op: 'replace', path: ['list', 1], value: 'X' },
    ])
    batch.undoLast()
    expect(batch.finish().list).toEqual(['x', 'y', 'z'])
  })

  it('undoLast of the only change returns the very same state object', () => {
    const state = start()
    const batch = createPatchBatch(state)
    batch.apply([{ op: 'replace', path: ['map', 'a'], value: 2 }])
    batch.undoLast()
    expect(batch.finish()).toBe(state)
  })

  it('never writes into the input state', () => {
    const state = start()
    const batch = createPatchBatch(state)
    batch.apply([{ op: 'add', path: ['map', 'd'], value: 4 }])
    batch.apply([{ op: 'remove', path: ['list', 0] }])
    batch.finish()
    expect(state).toEqual({ map: { a: 1, b: 2, c: 3 }, list: ['x', 'y'], other: { keep: true } })
  })

  it('freezes the copies it made and keeps untouched subtrees', () => {
    const state = start()
    const batch = createPatchBatch(state)
    batch.apply([{ op: 'add', path: ['map', 'd'], value: 4 }])
    batch.apply([{ op: 'add', path: ['map', 'e'], value: 5 }])
    const next = batch.finish()
    expect(Object.isFrozen(next.map)).toBe(true)
    expect(next.other).toBe(state.other)
  })

  it('equals applying each change on its own and skipping the refused ones (property)', () => {
    fc.assert(
      fc.property(fc.array(changeArb, { maxLength: 12 }), (changes) => {
        const state = deepFreeze({ map: { a: 1, b: 2 }, list: ['x'], nested: {} })
        const batch = createPatchBatch(state)
        let reference: unknown = state
        for (const c of changes) {
          let ok = true
          try {
            batch.apply(c.ops)
          } catch {
            ok = false
          }
          let expected: unknown
          try {
            expected = applyOps(reference, c.ops)
          } catch {
            expected = undefined
          }
          expect(ok).toBe(expected !== undefined)
          // A refused change stands for a schema refusal after the ops applied.
          if (ok && c.refuse) batch.undoLast()
          else if (ok) reference = expected
          expect(JSON.stringify(batch.current)).toBe(JSON.stringify(reference))
        }
        expect(JSON.stringify(batch.finish())).toBe(JSON.stringify(reference))
      }),
      { seed: 1_729, numRuns: 500 },
    )
  })

  it('consecutive ops under one parent, with writes above it and undos between them, equal a plain deep-copy apply (property)', () => {
    const seg = fc.constantFrom<string | number>('m', 'n', 'k', 0, 1, '-')
    const tree = fc.oneof(
      fc.integer(),
      fc.dictionary(fc.constantFrom('m', 'n', 'k'), fc.integer(), { maxKeys: 2 }),
      fc.constant({ m: { k: 1 }, n: [1, { k: 2 }] }),
      fc.constant([{ m: 1 }, [2]]),
    )
    const op: fc.Arbitrary<PatchOp> = fc.record({
      op: fc.constantFrom('add' as const, 'replace' as const, 'remove' as const),
      path: fc.array(seg, { minLength: 1, maxLength: 4 }),
      value: tree,
    })
    // Runs of ops under one parent, as a stream writes them, mixed with random ones.
    const run = fc
      .record({ prefix: fc.array(seg, { maxLength: 2 }), keys: fc.array(seg, { maxLength: 4 }) })
      .map(({ prefix, keys }) =>
        keys.map((k, i): PatchOp => ({ op: 'add', path: [...prefix, k], value: i })),
      )
    const change = fc.record({
      ops: fc.oneof(fc.array(op, { minLength: 1, maxLength: 3 }), run),
      refuse: fc.boolean(),
    })
    fc.assert(
      fc.property(fc.array(change, { maxLength: 16 }), (changes) => {
        const state = deepFreeze({ m: { k: 1, n: { m: 2 } }, n: [{ k: 1 }, [0]], k: 0 })
        const batch = createPatchBatch(state)
        let reference: Json = structuredClone(state)
        for (const c of changes) {
          let ok = true
          try {
            batch.apply(c.ops)
          } catch {
            ok = false
          }
          let expected: Json | undefined
          try {
            expected = plainApply(reference, c.ops)
          } catch {
            expected = undefined
          }
          expect(ok).toBe(expected !== undefined)
          if (ok && c.refuse) batch.undoLast()
          else if (ok) reference = expected as Json
          expect(JSON.stringify(batch.current)).toBe(JSON.stringify(reference))
        }
        expect(JSON.stringify(batch.finish())).toBe(JSON.stringify(reference))
        expect(JSON.stringify(state)).toBe(
          JSON.stringify({ m: { k: 1, n: { m: 2 } }, n: [{ k: 1 }, [0]], k: 0 }),
        )
      }),
      { seed: 2_026, numRuns: 1000 },
    )
  })

  it('applyKeptRun, with its one-op writes into the last parent between applied and undone changes, equals a plain deep-copy apply (property)', () => {
    const seg = fc.constantFrom<string | number>('m', 'n', 'k', 0, 1, '-')
    const op: fc.Arbitrary<PatchOp> = fc.record({
      op: fc.constantFrom('add' as const, 'replace' as const, 'remove' as const),
      path: fc.array(seg, { minLength: 1, maxLength: 3 }),
      value: fc.oneof(fc.integer(), fc.constant({ m: { k: 1 } }), fc.constant([1])),
    })
    // A stream's run: one-op adds of keys under one parent, each change kept.
    const run = fc
      .record({
        prefix: fc.constantFrom<(string | number)[]>(['m'], ['m', 'n'], ['n', 0], []),
        keys: fc.array(fc.constantFrom('m', 'n', 'k', 'q'), { minLength: 1, maxLength: 5 }),
      })
      .map(({ prefix, keys }) =>
        keys.map((k, i): PatchOp => ({ op: 'add', path: [...prefix, k], value: i })),
      )
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('run' as const),
        ops: run,
        // Written by applyKeptRun in one call (a status key it must stop at), or change by change.
        together: fc.constantFrom(null, 'none', 'm'),
      }),
      fc.record({
        kind: fc.constantFrom('applied' as const, 'undone' as const),
        ops: fc.array(op, { minLength: 1, maxLength: 2 }),
      }),
    )
    let runWrites = 0
    fc.assert(
      fc.property(fc.array(step, { maxLength: 12 }), (steps) => {
        const initial = { m: { k: 1, n: { m: 2 } }, n: [{ k: 1 }, [0]], k: 0 }
        const state = deepFreeze(structuredClone(initial))
        const batch = createPatchBatch(state)
        let reference: Json = structuredClone(state)
        const attempt = (ops: readonly PatchOp[], undo: boolean) => {
          let expected: Json | undefined
          try {
            expected = plainApply(reference, ops)
          } catch {
            expected = undefined
          }
          let ok = true
          try {
            batch.apply(ops, true)
          } catch {
            ok = false
          }
          expect(ok).toBe(expected !== undefined)
          if (ok && undo) batch.undoLast()
          else if (ok) reference = expected as Json
          expect(JSON.stringify(batch.current)).toBe(JSON.stringify(reference))
        }
        // What applyKeptRun wrote from `from`, checked against the reference.
        const run = (list: { ops: PatchOp[] }[], from: number, statusKey: string | null) => {
          const taken = batch.applyKeptRun(list, from, statusKey)
          for (const change of list.slice(from, taken)) {
            expect(statusKey !== null && change.ops[0]!.path[0] === statusKey).toBe(false)
            reference = plainApply(reference, change.ops)
            runWrites++
          }
          expect(JSON.stringify(batch.current)).toBe(JSON.stringify(reference))
          return taken
        }
        for (const s of steps) {
          if (s.kind !== 'run') {
            attempt(s.ops, s.kind === 'undone')
            continue
          }
          const list = s.ops.map((o) => ({ ops: [o] }))
          if (s.together === null) {
            // As the sink goes: the run from here, then the next change alone.
            let i = 0
            while (i < list.length) {
              i = run(list, i, null)
              if (i < list.length) attempt(list[i++]!.ops, false)
            }
          } else {
            const taken = run(list, 0, s.together === 'none' ? null : s.together)
            for (const change of list.slice(taken)) attempt(change.ops, false)
          }
        }
        const done = batch.finish()
        expect(JSON.stringify(done)).toBe(JSON.stringify(reference))
        expect(Object.isFrozen(done)).toBe(true)
        expect(JSON.stringify(state)).toBe(JSON.stringify(initial))
      }),
      { seed: 3_141, numRuns: 1000 },
    )
    // The property reached the loop that writes without an undo entry.
    expect(runWrites).toBeGreaterThan(500)
  })

  it('rolls back to the state after any change applied since keepHistory, key order included (property)', () => {
    fc.assert(
      fc.property(
        fc.array(changeArb, { maxLength: 8 }),
        fc.array(changeArb, { maxLength: 8 }),
        fc.nat({ max: 8 }),
        (before, during, keepAsked) => {
          const state = deepFreeze({ map: { a: 1, b: 2 }, list: ['x'], nested: {} })
          const batch = createHistoryBatch(state)
          const applyAll = (list: typeof before) => {
            const states: string[] = []
            for (const c of list) {
              try {
                batch.apply(c.ops)
              } catch {
                continue
              }
              if (c.refuse) batch.undoLast()
              else states.push(JSON.stringify(batch.current))
            }
            return states
          }
          applyAll(before)
          const atStart = JSON.stringify(batch.current)
          batch.keepHistory()
          const after = applyAll(during)
          const keep = Math.min(keepAsked, after.length)
          batch.rollBack(keep)
          batch.dropHistory()
          const expected = keep === 0 ? atStart : after[keep - 1]!
          expect(JSON.stringify(batch.current)).toBe(expected)
          // The batch goes on as if the rolled-back changes never happened.
          batch.apply([{ op: 'add', path: ['map', 'z'], value: 0 }])
          const reference = applyOps(JSON.parse(expected), [
            { op: 'add', path: ['map', 'z'], value: 0 },
          ])
          expect(JSON.stringify(batch.finish())).toBe(JSON.stringify(reference))
          expect(JSON.stringify(state)).toBe(
            JSON.stringify({ map: { a: 1, b: 2 }, list: ['x'], nested: {} }),
          )
        },
      ),
      { seed: 2_026, numRuns: 500 },
    )
  })
})
