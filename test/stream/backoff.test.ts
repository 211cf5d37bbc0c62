import { describe, expect, it } from 'vitest'
import { createBackoff, MAX_BACKOFF_MS } from '../../middleware/stream/backoff'
import { PatchwireError } from '../../src/errors'

describe('createBackoff', () => {
  it('draws each delay uniformly below a ceiling that grows by the factor', () => {
    const highest = createBackoff({ baseMs: 100, factor: 2, capMs: 10_000, random: () => 0.999999 })
    expect([highest.next(), highest.next(), highest.next(), highest.next()]).toEqual([
      99, 199, 399, 799,
    ])
    const lowest = createBackoff({ baseMs: 100, random: () => 0 })
    expect([lowest.next(), lowest.next()]).toEqual([0, 0])
  })

  it('never lets the ceiling pass the cap, however many attempts failed', () => {
    const backoff = createBackoff({ baseMs: 100, capMs: 1000, random: () => 0.999999 })
    const delays = Array.from({ length: 200 }, () => backoff.next())
    expect(Math.max(...delays)).toBe(999)
    expect(delays.every(Number.isFinite)).toBe(true)
  })

  it('starts again from the base after a reset', () => {
    const backoff = createBackoff({ baseMs: 100, random: () => 0.5 })
    backoff.next()
    backoff.next()
    expect(backoff.attempts).toBe(2)
    backoff.reset()
    expect(backoff.attempts).toBe(0)
    expect(backoff.next()).toBe(50)
  })

  it('draws each delay within ±jitter of its ceiling with a fractional jitter, never above the cap', () => {
    const lowest = createBackoff({ baseMs: 1000, capMs: 4000, jitter: 0.1, random: () => 0 })
    expect([lowest.next(), lowest.next(), lowest.next(), lowest.next()]).toEqual([
      900, 1800, 3600, 3600,
    ])
    const highest = createBackoff({
      baseMs: 1000,
      capMs: 4000,
      jitter: 0.1,
      random: () => 0.999_999,
    })
    expect([highest.next(), highest.next(), highest.next(), highest.next()]).toEqual([
      1099, 2199, 4000, 4000,
    ])
  })

  it('refuses a jitter that is neither full nor a fraction, naming the option', () => {
    expect(() => createBackoff({ jitter: 1.5 })).toThrow(/backoff\.jitter/)
    expect(() => createBackoff({ jitter: Number.NaN })).toThrow(/backoff\.jitter/)
  })

  it('refuses a cap above sixty seconds, naming the option', () => {
    expect(() => createBackoff({ capMs: MAX_BACKOFF_MS + 1 })).toThrow(/backoff\.capMs/)
    expect(() => createBackoff({ factor: 0.5 })).toThrow(PatchwireError)
    expect(() => createBackoff({ baseMs: -1 })).toThrow(/backoff\.baseMs/)
  })
})
