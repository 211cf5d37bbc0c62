import { describe, expect, it } from 'vitest'
import { roomState } from '../../server/relay/roomState'

const map = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))

describe('a relay room state', () => {
  it('keeps what the store took of an attempt and rolls back the rest', () => {
    const state = roomState({ m: map(3) })
    state.apply([{ op: 'replace', path: ['m', 'k0'], value: 'before' }])
    state.begin()
    state.apply([{ op: 'replace', path: ['m', 'k1'], value: 'kept' }])
    state.apply([{ op: 'remove', path: ['m', 'k0'] }])
    state.apply([{ op: 'add', path: ['m', 'new'], value: 'lost' }])
    state.end(1)
    const now = state.read()
    expect(now).toEqual({ m: { k0: 'before', k1: 'kept', k2: 2 } })
    expect(Object.keys(now.m as object)).toEqual(['k0', 'k1', 'k2'])
    expect(Object.isFrozen(now.m)).toBe(true)
  })

  it('never writes into a state it handed out', () => {
    const state = roomState({ m: map(2) })
    const first = state.read()
    state.apply([{ op: 'replace', path: ['m', 'k0'], value: 'x' }])
    const second = state.read()
    state.apply([{ op: 'replace', path: ['m', 'k1'], value: 'y' }])
    expect(first).toEqual({ m: { k0: 0, k1: 1 } })
    expect(second).toEqual({ m: { k0: 'x', k1: 1 } })
    expect(state.read()).toEqual({ m: { k0: 'x', k1: 'y' } })
  })

  it('refuses to be read in the middle of an append attempt', () => {
    const state = roomState({})
    state.begin()
    expect(() => state.read()).toThrow(/append attempt/)
    state.end(0)
    expect(state.read()).toEqual({})
  })

  it('applies the changes other nodes appended in bounded batches when nobody reads it', () => {
    const state = roomState({ m: map(10) })
    // A follower node only refreshes: its batches still close, so its copies do not pile up.
    let live: unknown
    const seen = new Set<unknown>()
    for (let i = 0; i < 1_000; i++) {
      live = state.apply([{ op: 'replace', path: ['m'], value: { n: i } }])
      seen.add(live)
    }
    // One root object per batch of 256 changes, not one per change, and not one forever.
    expect(seen.size).toBeGreaterThan(1)
    expect(seen.size).toBeLessThanOrEqual(8)
    expect(state.read()).toEqual({ m: { n: 999 } })
  })
})
