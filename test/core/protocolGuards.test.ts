import { describe, expect, it } from 'vitest'
import { isRelayChanges } from '../../src/protocolGuards'

const change = (seq: number, room = 'r') => ({
  room,
  seq,
  id: `a:${seq}`,
  origin: 'a',
  ts: '001700000000000-000000-a',
  ops: [{ op: 'add', path: ['x'], value: seq }],
})

describe('isRelayChanges', () => {
  it('accepts a frame of changes of its room with contiguous sequences', () => {
    expect(isRelayChanges({ room: 'r', changes: [change(3), change(4), change(5)] })).toBe(true)
  })

  it('refuses an empty frame', () => {
    expect(isRelayChanges({ room: 'r', changes: [] })).toBe(false)
  })

  it('refuses a frame holding a change of another room', () => {
    expect(isRelayChanges({ room: 'r', changes: [change(1), change(2, 'q')] })).toBe(false)
  })

  it('refuses a frame whose sequences skip or go back', () => {
    expect(isRelayChanges({ room: 'r', changes: [change(1), change(3)] })).toBe(false)
    expect(isRelayChanges({ room: 'r', changes: [change(2), change(1)] })).toBe(false)
  })

  it('refuses a frame holding a malformed change', () => {
    expect(isRelayChanges({ room: 'r', changes: [{ ...change(1), seq: 'x' }] })).toBe(false)
  })

  it('refuses what is not a frame', () => {
    for (const v of [null, [], 'changes', { room: 'r' }, { room: 1, changes: [change(1)] }])
      expect(isRelayChanges(v)).toBe(false)
  })
})
