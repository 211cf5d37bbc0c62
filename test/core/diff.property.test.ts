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

  it('on a large map, each state diffed against the one before it (read from what the last diff kept) gives the next', () => {
    // Maps of at least 256 keys: the diff then reuses the keys and values it read from a
    // frozen `next` when that object comes back as `prev`.
    const mapEdit = fc.record({
      kind: fc.constantFrom('set', 'delete', 'add', 'swap', 'same'),
      at: fc.nat(),
      value: tree,
    })
    fc.assert(
      fc.property(
        fc.integer({ min: 256, max: 400 }),
        fc.array(fc.array(mapEdit, { maxLength: 4 }), { minLength: 2, maxLength: 8 }),
        fc.boolean(),
        (size, steps, freeze) => {
          const seal = <T>(v: T): T => (freeze ? deepFreeze(v) : v)
          let state = seal({
            root: Object.fromEntries(Array.from({ length: size }, (_, i) => [`k${i}`, { n: i }])),
          }) as { root: Record<string, JsonValue> }
          const states = [state]
          let fresh = 0
          for (const edits of steps) {
            const map = { ...state.root }
            for (const e of edits) {
              const keys = Object.keys(map)
              const k = keys[e.at % keys.length]!
              if (e.kind === 'set') map[k] = e.value
              else if (e.kind === 'delete' && keys.length > 1) delete map[k]
              else if (e.kind === 'add') map[`new${fresh++}`] = e.value
              else if (e.kind === 'swap') {
                // Same count of keys, another key set: values of the same shape on both sides.
                const v = map[k]!
                delete map[k]
                map[`new${fresh++}`] = v
              }
            }
            const next = seal({ root: map })
            expect(applyOps(deepFreeze(structuredClone(state)), diffState(state, next))).toEqual(
              next,
            )
            states.push(next)
            state = next
          }
          // And against a state that is not the one just before: what was kept is not used.
          const first = states[0]!
          expect(applyOps(deepFreeze(structuredClone(first)), diffState(first, state))).toEqual(
            state,
          )
        },
      ),
      { seed: SEED, numRuns: 200 },
    )
  })

  it('writes a changed object member with add, a changed array element with replace and a new root with replace', () => {
    const prev = { map: { a: 1, b: { x: 1 } }, list: [1, 2] }
    const next = { map: { a: 2, b: 5 }, list: [1, 3] }
    expect(diffState(prev, next)).toEqual([
      { op: 'add', path: ['map', 'a'], value: 2 },
      { op: 'add', path: ['map', 'b'], value: 5 },
      { op: 'replace', path: ['list', 1], value: 3 },
    ])
    expect(diffState(1, 2)).toEqual([{ op: 'replace', path: [], value: 2 }])
    // Where another writer removed the member meanwhile, the ops still apply.
    expect(applyOps({ map: { b: 1 }, list: [1, 2] }, diffState(prev, next))).toEqual(next)
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
