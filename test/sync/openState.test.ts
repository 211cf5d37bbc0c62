import { afterEach, describe, expect, it, vi } from 'vitest'
import { createConfirmedModel } from '../../middleware/sync/confirmedModel'
import { openState } from '../../middleware/sync/openState'
import { relay } from './relayChangeOf'

// Every batch started in this file: applyOps starts one per call, an open state one per run of changes.
vi.mock('../../src/patchBatch', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/patchBatch')>()
  return { ...actual, createPatchBatch: vi.fn(actual.createPatchBatch) }
})
const { createPatchBatch } = await import('../../src/patchBatch')
const batches = () => vi.mocked(createPatchBatch).mock.calls.length

afterEach(() => vi.mocked(createPatchBatch).mockClear())

const bigMap = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))

describe('an open state', () => {
  it('never writes into a state it handed out', () => {
    const state = openState({ map: bigMap(3) })
    state.apply([{ op: 'replace', path: ['map', 'k0'], value: 'a' }])
    const first = state.read()
    state.apply([{ op: 'replace', path: ['map', 'k1'], value: 'b' }])
    state.apply([{ op: 'remove', path: ['map', 'k2'] }])
    expect(first).toEqual({ map: { k0: 'a', k1: 1, k2: 2 } })
    expect(Object.isFrozen(first.map)).toBe(true)
    const second = state.read()
    expect(second).toEqual({ map: { k0: 'a', k1: 'b' } })
    expect(Object.isFrozen(second.map)).toBe(true)
  })

  it('leaves the state as it was when one op of a change does not fit', () => {
    const state = openState({ map: { a: 1 } })
    state.apply([{ op: 'replace', path: ['map', 'a'], value: 2 }])
    expect(() =>
      state.apply([
        { op: 'add', path: ['map', 'b'], value: 3 },
        { op: 'replace', path: ['missing', 'x'], value: 0 },
      ]),
    ).toThrow(/Nothing exists/)
    expect(state.read()).toEqual({ map: { a: 2 } })
  })

  it('writes a run of changes into one copy instead of one copy per change', () => {
    const state = openState({ map: bigMap(1000) })
    for (let i = 0; i < 1000; i++)
      state.apply([{ op: 'replace', path: ['map', `k${i}`], value: -i }])
    // A batch per 256 changes, so what a batch remembers stays bounded.
    expect(batches()).toBe(4)
    expect(Object.values(state.read().map as object).every((v) => v <= 0)).toBe(true)
  })
})

describe('the confirmed model on its hot paths', () => {
  const paths = [['bench']] as const

  it('applies 1,000 relay changes to a reader with nothing pending without a copy per change', () => {
    const model = createConfirmedModel(paths, {
      lastSeq: 0,
      base: { bench: bigMap(1000) },
      pending: [],
    })
    vi.mocked(createPatchBatch).mockClear()
    for (let seq = 1; seq <= 1000; seq++) {
      model.offer(
        relay(seq, `peer:${seq}`, [{ op: 'replace', path: ['bench', `k${seq - 1}`], value: 'x' }]),
      )
      const { steps, resync } = model.drain()
      expect(resync).toBe(false)
      expect(steps).toHaveLength(1)
    }
    // B and the shown state, a batch per 256 changes each (applyOps would start 2,000).
    expect(batches()).toBeLessThanOrEqual(8)
    const expected = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, 'x']))
    expect(model.base).toEqual({ bench: expected })
    expect(model.shown).toEqual({ bench: expected })
  })

  it('writes and acknowledges 1,000 local changes one at a time without a copy per change', () => {
    const model = createConfirmedModel(paths, {
      lastSeq: 0,
      base: { bench: bigMap(1000) },
      pending: [],
    })
    vi.mocked(createPatchBatch).mockClear()
    for (let i = 1; i <= 1000; i++) {
      const ops = [{ op: 'replace' as const, path: ['bench', `k${i - 1}`], value: `v${i}` }]
      const change = relay(i, `me:${i}`, ops)
      model.addLocal({ id: change.id, ts: change.ts, ops })
      model.offer(change)
      const { steps } = model.drain()
      expect(steps).toEqual([{ change, own: true, ops: [] }])
      expect(model.pending).toHaveLength(0)
    }
    expect(batches()).toBeLessThanOrEqual(8)
    expect(model.shown).toEqual(model.base)
    expect((model.base.bench as Record<string, unknown>).k999).toBe('v1000')
  })
})
