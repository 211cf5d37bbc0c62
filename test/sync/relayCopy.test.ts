import { describe, expect, it } from 'vitest'
import { relayCopy } from '../../middleware/sync/relayCopy'
import type { RelayChange } from '../../src/protocol'

const pending = {
  id: 'c1:1',
  ts: '0000000001000:0000:c1',
  ops: [
    { op: 'add' as const, path: ['todos', 'a'], value: { title: 'milk', done: false } },
    { op: 'add' as const, path: ['todos', 'b'], value: { title: 'eggs', done: true } },
  ],
}
const relay = (ops: RelayChange['ops'], ts = pending.ts): RelayChange => ({
  room: 'r',
  seq: 1,
  id: pending.id,
  origin: 'c1',
  ts,
  ops,
})

describe('relayCopy: what a relay change under a pending id says about it', () => {
  it('the same ops, in the same key order or another, are the same change', () => {
    expect(relayCopy(pending, relay(structuredClone(pending.ops)))).toBe('same')
    const reordered = pending.ops.map((op) => ({
      value: { done: op.value.done, title: op.value.title },
      path: op.path,
      op: op.op,
    }))
    expect(relayCopy(pending, relay(reordered))).toBe('same')
  })

  it('some of its ops in order are a trimmed copy; other content or another time is another change', () => {
    expect(relayCopy(pending, relay([pending.ops[1]!]))).toBe('trimmed')
    expect(relayCopy(pending, relay([pending.ops[1]!, pending.ops[0]!]))).toBe('other')
    expect(
      relayCopy(pending, relay([{ op: 'add', path: ['todos', 'a'], value: { title: 'tea' } }])),
    ).toBe('other')
    expect(relayCopy(pending, relay(pending.ops, '0000000001000:0001:c1'))).toBe('other')
    expect(relayCopy(pending, relay([]))).toBe('other')
  })
})
