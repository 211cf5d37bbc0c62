import { afterEach, describe, expect, it, vi } from 'vitest'
import { eventually, live, settings, startRelay } from './helpers'

// Every application of ops in this process (client model, store sink, relay) is counted.
vi.mock('../../src/applyOps', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/applyOps')>()
  return { ...actual, applyOps: vi.fn(actual.applyOps) }
})
const { applyOps } = await import('../../src/applyOps')
const applications = () => vi.mocked(applyOps).mock.calls.length

let relay: Awaited<ReturnType<typeof startRelay>> | undefined
afterEach(async () => {
  await relay?.stop()
  relay = undefined
})

/** Applications of ops while one client's `n` writes, queued at once, are acknowledged in order. */
async function applicationsFor(n: number, room: string): Promise<number> {
  relay = await startRelay({ limits: { changesPerSecond: 100_000, messagesPerSecond: 10_000 } })
  const a = relay.client({ room })
  await live(a.store, room)
  vi.mocked(applyOps).mockClear()
  for (let i = 0; i < n; i++)
    a.store.dispatch(settings.actions.fieldSet({ key: `k${i}`, value: i }))
  await eventually(() => expect(a.store.getState().patchwire.sync[room]?.pending).toBe(0), 60_000)
  const count = applications()
  expect(Object.keys(a.store.getState().settings.fields)).toHaveLength(n)
  await relay.stop()
  relay = undefined
  return count
}

describe('the cost of an acknowledgement', () => {
  it('acknowledging a queue of changes in order applies each change a constant number of times', async () => {
    const small = await applicationsFor(100, 'ack-cost-small')
    const large = await applicationsFor(400, 'ack-cost-large')
    // Per change: the relay's state, the confirmed base and the shown state; re-applying
    // the rest of the queue on every acknowledgement would make this grow with the queue.
    expect(large / 400).toBeLessThanOrEqual(4)
    expect(large / 400).toBeLessThanOrEqual((small / 100) * 1.1)
  }, 120_000)
})
