import { describe, expect, it } from 'vitest'
import { createRelay } from '../../server/createRelay'
import { memoryStore } from '../../server/store/memoryStore'
import { PatchwireError } from '../../src/errors'

function setupError(run: () => unknown): PatchwireError<'option'> {
  try {
    run()
  } catch (err) {
    if (err instanceof PatchwireError) return err as PatchwireError<'option'>
    throw err
  }
  throw new Error('expected a setup error')
}

describe('the redis option of createRelay', () => {
  it('throws at setup, naming the option, when given with store', () => {
    const error = setupError(() =>
      createRelay({ redis: 'redis://127.0.0.1:6379', store: memoryStore() }),
    )
    expect(error.code).toBe('option')
    expect(error.details.option).toBe('store')
    expect(error.message).toMatch(/give either redis or store/)
  })

  it('throws at setup, naming the option, when given with adapter', () => {
    const error = setupError(() =>
      createRelay({ redis: 'redis://127.0.0.1:6379', adapter: (() => {}) as never }),
    )
    expect(error.details.option).toBe('adapter')
  })

  it('throws at setup, naming the option, when it is neither a URL nor { connection }', () => {
    const error = setupError(() => createRelay({ redis: { prefix: 'x:' } as never }))
    expect(error.details.option).toBe('redis')
  })
})
