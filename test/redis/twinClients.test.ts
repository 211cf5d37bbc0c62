import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { redisAdapter } from '../../server/redisAdapter'
import { redisStore } from '../../server/store/redisStore'
import { startRelay } from '../sync/helpers'
import { roomLog, twins } from '../sync/kiosks'
import { type RedisServer, startRedisServer } from './redisServer'

let redis: RedisServer
const stops: (() => Promise<void>)[] = []
beforeAll(async () => {
  redis = await startRedisServer({ appendonly: true })
})
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop()
})
afterAll(async () => {
  await redis?.close()
})

/** Two relay nodes on one Redis: a change's answer may come before its relay change. */
async function twoNodes() {
  const prefix = `t${randomUUID()}:`
  const started = []
  for (let i = 0; i < 2; i++) {
    const store = redisStore(redis.url, { prefix })
    const fanout = redisAdapter(store.client, { key: `${prefix}io` })
    const relay = await startRelay({ store })
    relay.relay.io.adapter(fanout.adapter)
    stops.push(async () => {
      await relay.stop()
      await fanout.close()
    })
    started.push(relay)
  }
  return started as [(typeof started)[0], (typeof started)[0]]
}

describe('one fixed clientId in two live processes on two Redis relay nodes', () => {
  it('the room holds every write of both processes, each once', async () => {
    const [one, two] = await twoNodes()
    await twins(one, two)
    const items = ((await one.roomState('k')).todos as { items: string[] }).items
    expect(items.slice().sort()).toEqual(['a1', 'a2', 'a3', 'b1', 'b2', 'b3'])
  })

  it('every confirmed() resolves with the id and seq its own change has in the log', async () => {
    const [one, two] = await twoNodes()
    const { outcomes } = await twins(one, two)
    const log = await roomLog(one)
    const logged = outcomes.map(({ title, id, seq, error }) => {
      const entry = log.find((e) => e.id === id && e.seq === seq)
      return { title, error, values: entry?.ops.map((op) => op.value) }
    })
    expect(logged).toEqual(
      outcomes.map(({ title }) => ({ title, error: undefined, values: [title] })),
    )
  })
})
