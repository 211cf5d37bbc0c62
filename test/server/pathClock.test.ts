import { describe, expect, it } from 'vitest'
import { cloneClock, emptyClock, isStale, recordWrite } from '../../server/relay/pathClock'

describe('path clocks', () => {
  it('undoing recorded writes in reverse restores the clock exactly', () => {
    const clock = emptyClock()
    recordWrite(clock, ['a', 'b'], '2')
    recordWrite(clock, ['list', '-'], '3')
    const before = cloneClock(clock)
    const undo: (() => void)[] = []
    recordWrite(clock, ['a'], '5', undo)
    recordWrite(clock, ['x', 'y', 'z'], '6', undo)
    recordWrite(clock, ['list', '-'], '7', undo)
    expect(clock).not.toEqual(before)
    for (let i = undo.length - 1; i >= 0; i--) undo[i]!()
    expect(clock).toEqual(before)
  })

  it('an append is stale only against a later write to the array or an ancestor', () => {
    const clock = emptyClock()
    recordWrite(clock, ['list', '-'], '5')
    expect(isStale(clock, ['list', '-'], '3')).toBe(false)
    expect(isStale(clock, ['list'], '3')).toBe(true)
    recordWrite(clock, ['list'], '6')
    expect(isStale(clock, ['list', '-'], '5')).toBe(true)
  })

  it('a key named like an Object.prototype member is a path of its own room, kept in the snapshot', () => {
    const roomA = emptyClock()
    const roomB = emptyClock()
    recordWrite(roomA, ['valueOf'], '9')
    recordWrite(roomA, ['toString', 'x'], '9')
    expect(isStale(roomB, ['valueOf'], '5')).toBe(false)
    expect(isStale(roomB, ['toString', 'x'], '5')).toBe(false)
    expect(Object.keys(Object.prototype.valueOf)).toEqual([])
    const restored = JSON.parse(JSON.stringify(roomA))
    expect(isStale(restored, ['valueOf'], '5')).toBe(true)
    expect(isStale(restored, ['toString', 'x'], '5')).toBe(true)
  })
})
