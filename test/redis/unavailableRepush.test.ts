import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { PushResult } from '../../src/protocol'
import { eventually, live, startRelay, synced, todos } from '../sync/helpers'
import { type RedisServer, startRedisServer } from './redisServer'

// A push that reaches the relay while Redis is down is answered change by
// change `unavailable` ("not now"). The sync client keeps such a change
// pending and pushes it again once the relay can store it, as it does for a
// whole push refused `unavailable`: dropping it would roll the edit back
// (and a dropped room seed leaves the room without the app's start state).

let redis: RedisServer
const stops: (() => Promise<void>)[] = []
beforeAll(async () => {
  redis = await startRedisServer({ appendonly: true })
})
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop()
  // A test that failed while Redis was stopped leaves it down for the next one.
  await redis.restart()
})
afterAll(async () => {
  await redis?.close()
})

async function changeMadeWhileRedisIsDown(ownership: false | { leaseMs: number }) {
  const relay = await startRelay({
    redis: { connection: redis.url, prefix: `u${randomUUID()}:`, ownership },
  })
  stops.push(relay.stop)
  const verdicts: PushResult[] = []
  relay.relay.observe({ pushed: (_room, results) => verdicts.push(...results) })
  const a = relay.client({ room: 'r', clientId: 'a' })
  await live(a.store, 'r')
  a.store.dispatch(todos.actions.added('before'))
  await eventually(() => expect(a.store.getState().patchwire.sync.r?.pending).toBe(0))

  await redis.stop()
  verdicts.length = 0
  a.store.dispatch(todos.actions.added('during'))
  // The relay answered the push: the change is refused for now, not lost.
  await eventually(
    () => expect(verdicts.some((v) => 'reason' in v && v.reason === 'unavailable')).toBe(true),
    20_000,
  )
  expect(a.store.getState().todos.items).toEqual(['before', 'during'])
  await redis.restart()

  await eventually(() => {
    expect(a.store.getState().patchwire.sync.r).toMatchObject({ connection: 'live', pending: 0 })
  }, 30_000)
  expect(a.rejected).toEqual([])
  expect(synced(a.store).todos.items).toEqual(['before', 'during'])
  expect((await relay.roomState('r')).todos).toEqual({ items: ['before', 'during'] })
}

describe('a change pushed while Redis is down', () => {
  it(
    'is kept pending and lands in the room once Redis is back, with one writer per room',
    () => changeMadeWhileRedisIsDown({ leaseMs: 1_000 }),
    60_000,
  )

  it(
    'is kept pending and lands in the room once Redis is back, with every node appending',
    () => changeMadeWhileRedisIsDown(false),
    60_000,
  )
})
