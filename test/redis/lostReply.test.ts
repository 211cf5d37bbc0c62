import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type RedisRelayStore, redisStore } from '../../server/store/redisStore'
import { PatchwireError } from '../../src/errors'
import { ask, collectChanges, startRelay, ts, until } from '../server/helpers'
import { type RedisServer, startRedisServer } from './redisServer'

let redis: RedisServer
const stops: (() => Promise<void>)[] = []
beforeAll(async () => {
  redis = await startRedisServer({ appendonly: true })
})
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop()
})
afterAll(async () => {
  await redis?.close()
})

/**
 * A Redis store whose next group append runs in Redis and then fails the way
 * a connection lost before the reply does: the change is stored, the relay
 * is told "unavailable".
 */
function replyLosingStore(): RedisRelayStore & { loseNextReply(): void } {
  const store = redisStore(redis.url, { prefix: `t${randomUUID()}:` })
  let lose = false
  const appendMany = store.appendMany.bind(store)
  return Object.assign(store, {
    loseNextReply: () => {
      lose = true
    },
    appendMany: async (...args: Parameters<RedisRelayStore['appendMany']>) => {
      const result = await appendMany(...args)
      if (!lose) return result
      lose = false
      throw new PatchwireError('transport', 'Redis is unavailable.', { reason: 'unavailable' })
    },
  })
}

describe('a change Redis stored but whose reply was lost', () => {
  it('is broadcast to the room when its re-push finds it stored, without waiting for another change', async () => {
    const store = replyLosingStore()
    const r = await startRelay({ store })
    stops.push(r.stop)
    const writer = await r.connect()
    const watcher = await r.connect()
    await ask(writer, 'join', { room: 'r', clientId: 'w', schemaVersion: 1 })
    await ask(watcher, 'join', { room: 'r', clientId: 'v', schemaVersion: 1 })
    const seen = collectChanges(watcher)
    const change = {
      id: 'w:1',
      ts: ts(Date.now(), 'w'),
      ops: [{ op: 'add' as const, path: ['x'], value: 1 }],
    }
    store.loseNextReply()
    expect(await ask(writer, 'push', { room: 'r', changes: [change] })).toMatchObject({
      results: [{ id: 'w:1', reason: 'unavailable' }],
    })
    expect(await ask(writer, 'push', { room: 'r', changes: [change] })).toEqual({
      ok: true,
      results: [{ id: 'w:1', seq: 1 }],
    })
    await until(() => seen.length > 0)
    expect(seen).toEqual([
      { room: 'r', seq: 1, id: 'w:1', origin: 'w', ts: change.ts, ops: change.ops },
    ])
  })
})
