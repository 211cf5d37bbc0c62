import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { confirmed } from '../../middleware/sync/guarantees/confirmed'
import { redisStore } from '../../server/store/redisStore'
import { makeSyncedStore } from '../guarantees/helpers'
import { live, startRelay, todos } from '../sync/helpers'
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

describe('a client started again under a fixed clientId on a Redis relay', () => {
  it('continues after the ids Redis holds for it, also after compaction: every write of both runs is in the room', async () => {
    const prefix = `t${randomUUID()}:`
    const store = redisStore(redis.url, { prefix })
    const relay = await startRelay({
      store,
      compactEvery: 2,
      keepTail: 1,
    })
    stops.push(relay.stop)
    const run = async (texts: string[]) => {
      const socket = relay.socketFor()
      const k = makeSyncedStore({ room: 'k', clientId: 'kiosk1', socket, allowKeys: ['todos'] })
      await live(k.store, 'k')
      for (const t of texts) await k.store.dispatch(confirmed(todos.actions.added(t)))
      k.mw.stop()
      socket.disconnect()
    }
    await run(['a', 'b', 'c'])
    // The first run's seed and first write have left the log.
    while ((await store.since('k', 1)) !== null) await new Promise((r) => setTimeout(r, 5))
    await run(['d', 'e', 'f'])
    expect((await relay.roomState('k')).todos).toEqual({ items: ['a', 'b', 'c', 'd', 'e', 'f'] })
  })
})
