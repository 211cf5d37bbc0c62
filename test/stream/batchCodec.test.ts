import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeBatch, encodeBatch } from '../../middleware/stream/worker/batchCodec'
import type { WorkerItem } from '../../middleware/stream/worker/protocol'
import type { ChangeInput } from '../../src/types'

// Compared as JSON text, so key order counts: DevTools shows the changes as decoded, and
// they must come back with the keys the worker built them with, in that order.
const sameText = (a: unknown, b: unknown) => expect(JSON.stringify(a)).toBe(JSON.stringify(b))

const segment = fc.oneof(fc.constantFrom('feed', 'prices', 'a', 'b', '-'), fc.nat({ max: 3 }))
const json = fc.jsonValue({ maxDepth: 2 }).filter((v) => v !== null)

// Changes as the worker builds them, most of the shape runs are made of, some not.
const change: fc.Arbitrary<ChangeInput> = fc.oneof(
  fc
    .record({
      prefix: fc.constantFrom<(string | number)[]>(['feed', 'prices'], ['feed'], [], ['l', 0]),
      last: segment,
      op: fc.constantFrom('add' as const, 'replace' as const),
      value: json,
      id: fc.option(fc.oneof(fc.nat({ max: 30 }).map(String), fc.constantFrom('01', 'x', '')), {
        nil: undefined,
      }),
    })
    .map(({ prefix, last, op, value, id }) => {
      const made: ChangeInput = { ops: [{ op, path: [...prefix, last], value }], source: 'stream' }
      if (id !== undefined) made.id = id
      return made
    }),
  // Not a run: two ops, a remove without value, an extra key, an id before the source.
  fc.constant<ChangeInput>({
    ops: [
      { op: 'add', path: ['a'], value: 1 },
      { op: 'add', path: ['b'], value: 2 },
    ],
    source: 'stream',
  }),
  fc.constant<ChangeInput>({ ops: [{ op: 'remove', path: ['feed', 'a'] }], source: 'stream' }),
  fc.constant<ChangeInput>({
    ops: [{ op: 'add', path: ['feed', 'a'], value: 1 }],
    source: 'stream',
    origin: 'x',
  }),
  fc.constant<ChangeInput>({
    id: '7',
    ops: [{ op: 'add', path: ['feed', 'a'], value: 1 }],
    source: 'stream',
  }),
)

const item: fc.Arbitrary<WorkerItem> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .array(change, { minLength: 1, maxLength: 12 })
      .map((changes): WorkerItem => ({ kind: 'checked', chunks: changes.length, changes })),
  },
  fc
    .array(change, { minLength: 2, maxLength: 3 })
    .map((changes): WorkerItem => ({ kind: 'checked', chunks: 1, changes })),
  change.map((c): WorkerItem => ({ kind: 'changes', changes: [c] })),
  fc.constant<WorkerItem>({ kind: 'chunk', data: { type: 'replace', path: '/a', value: 1 } }),
  fc.constant<WorkerItem>({
    kind: 'rejected',
    id: '3',
    reason: 'parse',
    issue: { message: 'no', code: 'parse' },
  }),
)

// What the items stand for: each chunk's changes in order, and where the other items stand.
function chunksOf(items: readonly WorkerItem[]): unknown[] {
  return items.flatMap((i): unknown[] =>
    i.kind === 'checked' && i.chunks === i.changes.length
      ? i.changes.map((c) => ({ checked: c }))
      : [i],
  )
}

describe('the batch codec', () => {
  it('decodes every batch it encodes to the same chunks and changes, key order included (property)', () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 8 }), (items) => {
        const decoded = decodeBatch(encodeBatch(items))
        sameText(chunksOf(decoded), chunksOf(items))
        // Every decoded change has its own ops and path: nothing is shared between changes.
        const arrays = decoded.flatMap((i) =>
          'changes' in i ? i.changes.flatMap((c) => [c.ops, ...c.ops.map((o) => o.path)]) : [],
        )
        expect(new Set(arrays).size).toBe(arrays.length)
      }),
      { numRuns: 500, seed: 14 },
    )
  })

  it('sends a run of quote changes as columns, in less than a third of their JSON text', () => {
    const changes: ChangeInput[] = Array.from({ length: 1000 }, (_, i) => ({
      ops: [{ op: 'add', path: ['feed', 'prices', `s${i % 500}`], value: 100 + (i % 97) / 10 }],
      source: 'stream',
      id: String(i + 1),
    }))
    const items: WorkerItem[] = [{ kind: 'checked', chunks: 1000, changes }]
    const text = encodeBatch(items)
    expect(text.length).toBeLessThan(JSON.stringify(items).length / 3)
    expect(decodeBatch(text)).toEqual(items)
  })
})
