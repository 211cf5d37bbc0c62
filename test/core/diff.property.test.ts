import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { applyOps, diffState, type JsonValue } from '../../src/index'

const SEED = 4_279

// Keys avoid the refused segments; applyOps would (rightly) reject them.
const key = fc.stringMatching(/^[a-z0-9~/]{1,4}$/)

const { tree } = fc.letrec<{ tree: JsonValue; leaf: JsonValue }>((tie) => ({
  leaf: fc.oneof(
    fc.integer({ min: -50, max: 50 }),
    fc.string({ maxLength: 3 }),
    fc.boolean(),
    fc.constant(null),
  ),
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('leaf'),
    fc.array(tie('tree'), { maxLength: 5 }),
    fc.dictionary(key, tie('tree'), { maxKeys: 5 }),
  ),
}))

const rootTree = fc.dictionary(key, tree, { maxKeys: 6 })

interface Edit {
  steps: number[]
  kind: 'set' | 'delete' | 'insert' | 'append'
  value: JsonValue
}

const edit: fc.Arbitrary<Edit> = fc.record({
  steps: fc.array(fc.nat(), { maxLength: 4 }),
  kind: fc.constantFrom('set', 'delete', 'insert', 'append'),
  value: tree,
})

/** Applies an edit the way a reducer would: copies along one path, shares everything else. */
function applyEdit(node: JsonValue, e: Edit, depth = 0): JsonValue {
  const isArr = Array.isArray(node)
  const isObj = node !== null && typeof node === 'object' && !isArr
  const entries = isArr ? node.length : isObj ? Object.keys(node).length : 0
  const step = e.steps[depth]
  if (step === undefined || entries === 0) {
    if (isArr) {
      const copy = node.slice()
      if (e.kind === 'append') copy.push(e.value)
      else if (e.kind === 'insert') copy.splice(0, 0, e.value)
      else if (e.kind === 'delete') copy.pop()
      else return e.value
      return copy
    }
    if (isObj) {
      const copy = { ...node }
      if (e.kind === 'delete') delete copy[Object.keys(copy)[0] ?? '']
      else copy[`k${depth}${e.kind}`] = e.value
      return copy
    }
    return e.value
  }
  if (isArr) {
    const copy = node.slice()
    copy[step % entries] = applyEdit(node[step % entries] ?? null, e, depth + 1)
    return copy
  }
  const obj = node as Record<string, JsonValue>
  const k = Object.keys(obj)[step % entries]!
  return { ...obj, [k]: applyEdit(obj[k] ?? null, e, depth + 1) }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}

describe('diffState and applyOps (properties)', () => {
  it('applying diffState(a, b) to a gives b, for independent random trees', () => {
    fc.assert(
      fc.property(rootTree, rootTree, (a, b) => {
        expect(applyOps(deepFreeze(a), diffState(a, b))).toEqual(b)
      }),
      { seed: SEED, numRuns: 400 },
    )
  })

  it('applying diffState(a, b) to a gives b, when b is a with random structural edits', () => {
    fc.assert(
      fc.property(rootTree, fc.array(edit, { minLength: 1, maxLength: 6 }), (a, edits) => {
        let b: JsonValue = a
        for (const e of edits) b = applyEdit(b, e)
        expect(applyOps(deepFreeze(a), diffState(a, b))).toEqual(b)
      }),
      { seed: SEED, numRuns: 600 },
    )
  })

  it('diffState of a tree and itself is empty', () => {
    fc.assert(
      fc.property(rootTree, (a) => diffState(a, a).length === 0),
      { seed: SEED, numRuns: 200 },
    )
  })

  it('applyOps never mutates its input, whatever the ops (including failing ones)', () => {
    const anyOp = fc.record({
      op: fc.constantFrom('add', 'replace', 'remove'),
      path: fc.array(fc.oneof(key, fc.nat({ max: 6 }), fc.constant('-')), { maxLength: 4 }),
      value: tree,
    })
    fc.assert(
      fc.property(rootTree, fc.array(anyOp, { maxLength: 5 }), (a, ops) => {
        const before = structuredClone(a)
        try {
          applyOps(a, ops)
        } catch {
          // Refused ops are expected here; only the input matters.
        }
        expect(a).toEqual(before)
      }),
      { seed: SEED, numRuns: 600 },
    )
  })

  it('applyOps keeps the identity of every top-level key its ops did not touch', () => {
    fc.assert(
      fc.property(rootTree, edit, (a, e) => {
        const b = applyEdit(a, e) as Record<string, JsonValue>
        const next = applyOps(deepFreeze(a), diffState(a, b)) as Record<string, JsonValue>
        for (const k of Object.keys(a)) if (b[k] === a[k]) expect(next[k]).toBe(a[k])
      }),
      { seed: SEED, numRuns: 300 },
    )
  })
})
