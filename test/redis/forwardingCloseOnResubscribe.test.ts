import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { redisForwarding } from '../../server/ownership/redisForwarding'
import { type RedisRelayStore, redisStore } from '../../server/store/redisStore'
import { type RedisServer, startRedisServer } from './redisServer'

// ioredis subscribes again by itself once a lost subscriber connection is back,
// and nothing handles that SUBSCRIBE's promise. When the connection is lost
// again before Redis answers, while the node is closing (a relay shut down as
// Redis restarts), ioredis rejects it, unhandled, which would end a relay
// process.

let redis: RedisServer
let store: RedisRelayStore
const rejections: unknown[] = []
const onRejection = (reason: unknown) => rejections.push(reason)

beforeAll(async () => {
  redis = await startRedisServer()
  store = redisStore(redis.url, { prefix: `fr:${randomUUID()}:` })
  await store.since('r', 0)
  process.on('unhandledRejection', onRejection)
})
afterAll(async () => {
  process.off('unhandledRejection', onRejection)
  await store?.close()
  await redis?.close()
})

describe('a node whose forwarding subscriber is closed as it subscribes again', () => {
  it('ends without an unhandled rejection', async () => {
    const client = store.client as unknown as Redis
    const duplicate = client.duplicate.bind(client)
    let sub: Redis | undefined
    client.duplicate = ((...args: Parameters<Redis['duplicate']>) => {
      sub = duplicate(...args)
      return sub
    }) as Redis['duplicate']
    const forwarding = (() => {
      try {
        return redisForwarding(store, { channel: `fr:${randomUUID()}:`, timeoutMs: 1_000 })
      } finally {
        client.duplicate = duplicate
      }
    })()
    await forwarding.listen('A', async () => ({ kind: 'not_owner' }))
    if (!sub) throw new Error('the forwarding made no subscriber')
    const subscriber = sub
    let readies = 0
    const closed = new Promise<void>((resolve) => {
      // ioredis tells 'ready' once it has written the SUBSCRIBE of the lost connection.
      subscriber.on('ready', () => {
        readies += 1
        void forwarding.close().then(resolve)
        // The connection drops before Redis answers the SUBSCRIBE or the QUIT.
        subscriber.stream.destroy()
      })
    })
    const admin = duplicate({ enableOfflineQueue: true })
    try {
      expect(await admin.client('KILL', 'TYPE', 'pubsub')).toBeGreaterThan(0)
      await closed
    } finally {
      admin.disconnect()
    }
    // Let a rejection that nothing handles surface.
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(readies).toBe(1)
    expect(rejections).toEqual([])
  })
})
