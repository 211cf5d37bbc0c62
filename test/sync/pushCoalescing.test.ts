import { afterEach, describe, expect, it } from 'vitest'
import type { PushResult } from '../../src/protocol'
import { eventually, live, settings, startRelay } from './helpers'

let relay: Awaited<ReturnType<typeof startRelay>> | undefined
afterEach(async () => {
  await relay?.stop()
  relay = undefined
})

/** One writer dispatching 1,000 changes at once; the relay's observer counts the pushes. */
async function burst(limits: { maxChangesPerPush?: number } = {}) {
  relay = await startRelay({ limits: { changesPerSecond: 10_000, ...limits } })
  const pushes: (readonly PushResult[])[] = []
  relay.relay.observe({ pushed: (room, results) => room === 'burst' && pushes.push(results) })
  const a = relay.client({ room: 'burst' })
  await live(a.store, 'burst')
  await eventually(() => expect(a.store.getState().patchwire.sync.burst?.pending).toBe(0))
  pushes.length = 0
  for (let i = 0; i < 1000; i++)
    a.store.dispatch(settings.actions.fieldSet({ key: `k${i}`, value: i }))
  await eventually(() => expect(a.store.getState().patchwire.sync.burst?.pending).toBe(0), 60_000)
  const accepted = pushes.flat().filter((r) => 'seq' in r)
  return { pushes: pushes.length, accepted, a }
}

describe('pushes while one is in flight', () => {
  it('1,000 changes dispatched at once go out in one push when the relay takes that many', async () => {
    const { pushes, accepted } = await burst({ maxChangesPerPush: 1000 })
    expect(pushes).toBe(1)
    expect(accepted).toHaveLength(1000)
  })

  it('every change of a burst is acknowledged exactly once, in order', async () => {
    const { accepted } = await burst({ maxChangesPerPush: 1000 })
    const seqs = accepted.map((r) => ('seq' in r ? r.seq : 0))
    expect(new Set(accepted.map((r) => r.id)).size).toBe(1000)
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y))
  })

  it('a burst fills each push up to the limit the relay told on join', async () => {
    const { pushes, accepted } = await burst({ maxChangesPerPush: 250 })
    expect(pushes).toBe(4)
    expect(accepted).toHaveLength(1000)
  })
})
