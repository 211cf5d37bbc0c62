import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { layOver } from '../../middleware/persist/earlyChanges'
import { placeOp } from '../../middleware/persist/placeOp'
import { applyOps } from '../../src/applyOps'
import { diffState } from '../../src/diff'
import type { JsonValue, PatchOp } from '../../src/types'

const SEED = 13_600

// Few keys, numeric-looking ones among them, so ops often meet a loaded value of
// another shape (an array where the early value had an object, a missing key).
const key = fc.constantFrom('a', 'b', 'c', '0', '1')

const { tree } = fc.letrec<{ tree: JsonValue; leaf: JsonValue }>((tie) => ({
  leaf: fc.oneof(fc.integer({ min: -9, max: 9 }), fc.constantFrom('x', ''), fc.constant(null)),
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('leaf'),
    fc.array(tie('tree'), { maxLength: 4 }),
    fc.dictionary(key, tie('tree'), { maxKeys: 4 }),
  ),
}))

/** Early ops laid over a loaded value with the sink's own engine, as persist did before. */
function layOverWithSink(loaded: unknown, ops: readonly PatchOp[], earlyValue: unknown): unknown {
  let out = loaded
  for (const op of ops) {
    if (op.path.length === 0) {
      out = op.op === 'remove' ? undefined : op.value
      continue
    }
    try {
      out = applyOps(out, [op])
    } catch {
      if (op.op !== 'replace') return earlyValue
      try {
        out = applyOps(out, [{ ...op, op: 'add' }])
      } catch {
        return earlyValue
      }
    }
  }
  return out
}

describe('persist: laying early changes over a loaded value (properties)', () => {
  it('gives the value the sink would give for any loaded value and any early change', () => {
    fc.assert(
      fc.property(tree, tree, tree, (initial, early, loaded) => {
        const ops = diffState(initial, early)
        expect(layOver(loaded, ops, early)).toEqual(layOverWithSink(loaded, ops, early))
      }),
      { seed: SEED, numRuns: 3000 },
    )
  })

  it('places an op exactly where the sink would, or refuses it where the sink does', () => {
    const op = fc.record({
      op: fc.constantFrom('add', 'replace', 'remove'),
      path: fc.array(fc.oneof(key, fc.nat({ max: 4 }), fc.constant('-')), {
        minLength: 1,
        maxLength: 3,
      }),
      value: tree,
    }) as fc.Arbitrary<PatchOp>
    fc.assert(
      fc.property(tree, op, (value, o) => {
        let expected: unknown
        let refused = false
        try {
          expected = applyOps(value, [o])
        } catch {
          refused = true
        }
        if (refused) expect(() => placeOp(value, o)).toThrow()
        else expect(placeOp(value, o)).toEqual(expected)
      }),
      { seed: SEED, numRuns: 3000 },
    )
  })

  it('refuses to place an op through a forbidden segment', () => {
    for (const segment of ['__proto__', 'constructor', 'prototype']) {
      expect(() => placeOp({ a: {} }, { op: 'add', path: ['a', segment], value: 1 })).toThrow()
    }
    expect(Object.prototype).not.toHaveProperty('polluted')
  })

  it('leaves the loaded value it writes into untouched', () => {
    const loaded = { items: [{ id: 1 }], other: { keep: true } }
    const before = structuredClone(loaded)
    const out = placeOp(loaded, { op: 'replace', path: ['items', 0, 'id'], value: 2 }) as {
      other: unknown
    }
    expect(loaded).toEqual(before)
    expect(out).toEqual({ items: [{ id: 2 }], other: { keep: true } })
    expect(out.other).toBe(loaded.other)
  })
})
