import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { redisForwarding } from '../../server/ownership/redisForwarding'
import { type RedisRelayStore, redisStore } from '../../server/store/redisStore'
import { type RedisServer, startRedisServer } from './redisServer'

let redis: RedisServer
let store: RedisRelayStore

beforeAll(async () => {
  redis = await startRedisServer()
  store = redisStore(redis.url, { prefix: `fv:${randomUUID()}:` })
  // Forwarding publishes on the store's fail-fast connection: wait until it is up.
  await store.since('r', 0)
})
afterAll(async () => {
  await store?.close()
  await redis?.close()
})

/** A node that answers every forwarded push on its channel with `answer`. */
async function answeringNode(channel: string, answer: unknown): Promise<() => Promise<void>> {
  const client = store.client as unknown as Redis
  const sub = client.duplicate({ enableOfflineQueue: true })
  const pub = client.duplicate({ enableOfflineQueue: true })
  sub.on('message', (_channel: string, text: string) => {
    const push = JSON.parse(text) as { id: number; from: string }
    void pub.publish(`${channel}${push.from}`, JSON.stringify({ t: 'answer', id: push.id, answer }))
  })
  await sub.subscribe(`${channel}B`)
  return async () => {
    sub.disconnect()
    pub.disconnect()
  }
}

describe('forwarded pushes between relay nodes', () => {
  const push = {
    room: 'r',
    origin: 'alice',
    changes: [{ id: 'alice:1', ts: '000000000000001-000000-alice', ops: [] }],
  }

  it('takes the owner node verdicts when each is a well-formed push result', async () => {
    const channel = `fv:${randomUUID()}:`
    const stop = await answeringNode(channel, {
      kind: 'verdicts',
      results: [{ id: 'alice:1', seq: 4 }],
    })
    const forwarding = redisForwarding(store, { channel, timeoutMs: 1_000 })
    await forwarding.listen('A', async () => ({ kind: 'not_owner' }))
    try {
      expect(await forwarding.send('B', push as never)).toEqual({
        kind: 'verdicts',
        results: [{ id: 'alice:1', seq: 4 }],
      })
    } finally {
      await forwarding.close()
      await stop()
    }
  })

  it('never passes on verdicts of another shape as if the owner had answered', async () => {
    const channel = `fv:${randomUUID()}:`
    const stop = await answeringNode(channel, { kind: 'verdicts', results: [{ id: 7, seq: 'x' }] })
    const forwarding = redisForwarding(store, { channel, timeoutMs: 1_000 })
    await forwarding.listen('A', async () => ({ kind: 'not_owner' }))
    try {
      const answer = await forwarding.send('B', push as never)
      expect(answer.kind).toBe('unreachable')
    } finally {
      await forwarding.close()
      await stop()
    }
  })
})
