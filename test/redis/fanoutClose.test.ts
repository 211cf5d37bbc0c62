import { createServer } from 'node:http'
import { Server } from 'socket.io'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { redisAdapter } from '../../server/redisAdapter'
import { type RedisServer, startRedisServer } from './redisServer'

let redis: RedisServer
beforeAll(async () => {
  redis = await startRedisServer()
})
afterAll(async () => {
  await redis?.close()
})

describe('closing the Redis fan-out', () => {
  it('a node closed before its fan-out connections are ready leaves no unhandled rejection behind', async () => {
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      // A node restarted again at once: its subscriptions are still queued when it closes.
      const fanout = redisAdapter(redis.url)
      const io = new Server(createServer(), { adapter: fanout.adapter })
      io.close()
      await fanout.close()
      // Rejections are reported after the microtasks that could still handle them.
      await new Promise((r) => setTimeout(r, 300))
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })
})
