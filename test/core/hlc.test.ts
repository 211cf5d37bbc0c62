import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  compareHlc,
  createHlc,
  formatHlc,
  type Hlc,
  PatchwireError,
  parseHlc,
} from '../../src/index'

const SEED = 20_260_522

/** A wall clock that returns the given readings in turn, then repeats the last one. */
function scriptedClock(readings: number[]): () => number {
  let i = 0
  return () => readings[Math.min(i++, readings.length - 1)] ?? 0
}

const hlcArb: fc.Arbitrary<Hlc> = fc.record({
  wall: fc.integer({ min: 0, max: 10 ** 15 - 1 }),
  counter: fc.integer({ min: 0, max: 36 ** 6 - 1 }),
  node: fc.stringMatching(/^[a-zA-Z0-9_:]{1,12}$/),
})

function tupleOrder(a: Hlc, b: Hlc): number {
  if (a.wall !== b.wall) return a.wall < b.wall ? -1 : 1
  if (a.counter !== b.counter) return a.counter < b.counter ? -1 : 1
  return a.node < b.node ? -1 : a.node > b.node ? 1 : 0
}

describe('createHlc', () => {
  it('follows the wall clock when it moves forward', () => {
    const clock = createHlc('n1', { wallClock: scriptedClock([100, 200]) })
    expect(clock.now()).toEqual({ wall: 100, counter: 0, node: 'n1' })
    expect(clock.now()).toEqual({ wall: 200, counter: 0, node: 'n1' })
  })

  it('counts up within a stalled millisecond', () => {
    const clock = createHlc('n1', { wallClock: () => 100 })
    clock.now()
    expect(clock.now()).toEqual({ wall: 100, counter: 1, node: 'n1' })
  })

  it('stays monotonic when the wall clock goes backwards', () => {
    const clock = createHlc('n1', { wallClock: scriptedClock([500, 100, 50]) })
    const a = clock.now()
    const b = clock.now()
    const c = clock.now()
    expect(compareHlc(a, b)).toBe(-1)
    expect(compareHlc(b, c)).toBe(-1)
    expect(c.wall).toBe(500)
  })

  it('is strictly monotonic under any wall clock (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            wall: fc.integer({ min: 0, max: 1_000 }),
            remote: fc.option(hlcArb.map((h) => ({ ...h, wall: h.wall % 1_200 }))),
          }),
          { minLength: 1, maxLength: 60 },
        ),
        (steps) => {
          const clock = createHlc('me', { wallClock: scriptedClock(steps.map((s) => s.wall)) })
          let prev = ''
          for (const step of steps) {
            const t = formatHlc(step.remote ? clock.receive(step.remote) : clock.now())
            if (t <= prev) return false
            if (step.remote && t <= formatHlc(step.remote)) return false
            prev = t
          }
          return true
        },
      ),
      { seed: SEED, numRuns: 300 },
    )
  })

  it('receive() of a remote timestamp ahead makes the next local one later than it', () => {
    const clock = createHlc('n1', { wallClock: () => 100 })
    const remote = { wall: 5_000, counter: 7, node: 'n2' }
    const merged = clock.receive(remote)
    expect(merged).toEqual({ wall: 5_000, counter: 8, node: 'n1' })
    expect(compareHlc(clock.now(), remote)).toBe(1)
  })

  it('receive() accepts the string form', () => {
    const clock = createHlc('n1', { wallClock: () => 100 })
    clock.receive('000000000005000-000007-n2')
    expect(clock.peek()).toEqual({ wall: 5_000, counter: 8, node: 'n1' })
  })

  it('receive() of a remote behind keeps local time', () => {
    const clock = createHlc('n1', { wallClock: () => 900 })
    expect(clock.receive({ wall: 10, counter: 3, node: 'n2' })).toEqual({
      wall: 900,
      counter: 0,
      node: 'n1',
    })
  })

  it('resumes after a restored timestamp', () => {
    const clock = createHlc('n1', { wallClock: () => 10, last: '000000000000500-000002-n1' })
    expect(clock.now()).toEqual({ wall: 500, counter: 3, node: 'n1' })
  })

  it('borrows the next millisecond when the counter runs out', () => {
    const max = 36 ** 6 - 1
    const clock = createHlc('n1', {
      wallClock: () => 5,
      last: { wall: 5, counter: max, node: 'n1' },
    })
    expect(clock.now()).toEqual({ wall: 6, counter: 0, node: 'n1' })
  })

  it('refuses a node id containing "-"', () => {
    expect(() => createHlc('tab-1')).toThrowError(PatchwireError)
  })

  it('names the option when it refuses a node id', () => {
    try {
      createHlc('tab-1')
    } catch (err) {
      expect(err).toMatchObject({ code: 'option', details: { option: 'node' } })
      return
    }
    expect.unreachable('createHlc accepted a node id with "-"')
  })

  it('refuses an empty node id', () => {
    expect(() => createHlc('')).toThrowError(/node id/)
  })
})

describe('the string form', () => {
  it('formats with fixed-width fields', () => {
    expect(formatHlc({ wall: 1_700_000_000_000, counter: 35, node: 'a' })).toBe(
      '001700000000000-00000z-a',
    )
  })

  it('parse(format(t)) gives t back (property)', () => {
    fc.assert(
      fc.property(hlcArb, (t) => {
        expect(parseHlc(formatHlc(t))).toEqual(t)
      }),
      { seed: SEED, numRuns: 500 },
    )
  })

  it('string order equals timestamp order (property)', () => {
    fc.assert(
      fc.property(hlcArb, hlcArb, (a, b) => {
        const x = formatHlc(a)
        const y = formatHlc(b)
        const byString = x < y ? -1 : x > y ? 1 : 0
        return byString === tupleOrder(a, b) && compareHlc(a, b) === byString
      }),
      { seed: SEED, numRuns: 1_000 },
    )
  })

  it('compareHlc accepts a mix of objects and strings', () => {
    const a = { wall: 1, counter: 0, node: 'x' }
    expect(compareHlc(a, formatHlc(a))).toBe(0)
  })

  it('parseHlc refuses text that is not a timestamp', () => {
    expect(() => parseHlc('yesterday')).toThrowError(
      expect.objectContaining({ code: 'invalid_change' }),
    )
  })

  it('parseHlc refuses a non-string', () => {
    expect(() => parseHlc(42 as unknown as string)).toThrowError(PatchwireError)
  })
})
