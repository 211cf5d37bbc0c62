import { afterEach, describe, expect, it } from 'vitest'
import { memoryStore } from '../../server/store/memoryStore'
import type { RelayStore } from '../../server/store/types'
import type { WireChange } from '../../src/protocol'
import { ask, type ClientSocket, startRelay, ts } from './helpers'

type Started = Awaited<ReturnType<typeof startRelay>>
let running: Started[] = []
afterEach(async () => {
  await Promise.all(running.map((r) => r.stop()))
  running = []
})
const T0 = Date.now()

const set = (id: string, key: string, value: unknown, at: number): WireChange => ({
  id,
  ts: ts(T0 + at, id.split(':')[0]),
  ops: [{ op: 'add', path: [key], value }],
})

/** Resolves once the room's log no longer reaches back to `seq` (compaction runs after the acks). */
async function compactedThrough(store: RelayStore, seq: number): Promise<void> {
  while ((await store.since('r', seq - 1)) !== null) await new Promise((r) => setTimeout(r, 5))
}

/** A relay that compacts every 2 changes and keeps one change of log behind the snapshot. */
async function compactingRelay() {
  const store = memoryStore()
  const r = await startRelay({ store, compactEvery: 2, keepTail: 1 })
  running.push(r)
  const join = async (clientId: string): Promise<ClientSocket> => {
    const s = await r.connect()
    await ask(s, 'join', { room: 'r', clientId, schemaVersion: 1 })
    return s
  }
  return { store, join }
}

describe('re-sent changes after compaction', () => {
  it('a re-sent change whose refusal was lost is refused unknown once its id was compacted away, never acknowledged', async () => {
    const { store, join } = await compactingRelay()
    const a = await join('a')
    const b = await join('b')
    await ask(b, 'push', { room: 'r', changes: [set('b:1', 'x', 'b', 100)] })
    const stale = set('a:1', 'x', 'a', 0)
    expect(await ask(a, 'push', { room: 'r', changes: [stale] })).toMatchObject({
      results: [{ id: 'a:1', reason: 'stale' }],
    })
    for (let i = 2; i <= 5; i++) {
      await ask(a, 'push', { room: 'r', changes: [set(`a:${i}`, `k${i}`, i, 100 + i)] })
    }
    await compactedThrough(store, 3)
    expect(await ask(a, 'push', { room: 'r', changes: [stale] })).toMatchObject({
      ok: true,
      results: [{ id: 'a:1', reason: 'unknown' }],
    })
  })

  it('a re-sent applied change compacted away is refused unknown, never acknowledged with a later sequence', async () => {
    const { store, join } = await compactingRelay()
    const a = await join('a')
    const first = set('a:1', 'k1', 1, 1)
    await ask(a, 'push', { room: 'r', changes: [first] })
    for (let i = 2; i <= 5; i++) {
      await ask(a, 'push', { room: 'r', changes: [set(`a:${i}`, `k${i}`, i, i)] })
    }
    await compactedThrough(store, 3)
    expect(await ask(a, 'push', { room: 'r', changes: [first] })).toMatchObject({
      ok: true,
      results: [{ id: 'a:1', reason: 'unknown' }],
    })
  })

  it('a re-sent change still in the log after compaction is acknowledged with its own sequence', async () => {
    const { store, join } = await compactingRelay()
    const a = await join('a')
    for (let i = 1; i <= 4; i++) {
      await ask(a, 'push', { room: 'r', changes: [set(`a:${i}`, `k${i}`, i, i)] })
    }
    await compactedThrough(store, 3)
    expect(await ask(a, 'push', { room: 'r', changes: [set('a:4', 'k4', 4, 4)] })).toEqual({
      ok: true,
      results: [{ id: 'a:4', seq: 4 }],
    })
  })
})
