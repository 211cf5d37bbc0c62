import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RedisCluster, startRedisCluster } from './redisCluster'

let cluster: RedisCluster

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1 })
})
afterAll(async () => {
  await cluster?.close()
})

// Generous: a freeze, two failure detections and a resync on a machine shared with the whole suite.
describe('the test Redis Cluster', { timeout: 180_000 }, () => {
  it('kills a promoted master only once the frozen master it replaced is back as its synced replica, which then takes over', async () => {
    const key = 'patchwire:{harness}:head'
    const frozen = await cluster.masterOf(key)
    // Asleep well past its replica's promotion, so the kill below is asked for while it still sleeps.
    const promoted = await cluster.freezeMaster(key, 15)
    expect(promoted).not.toBe(frozen)
    expect(await cluster.killMaster(key)).toBe(frozen)
    expect(await cluster.masterOf(key)).toBe(frozen)
  })
})
