import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { redisStore } from '../../server/store/redisStore'
import { type RedisServer, startRedisServer } from '../redis/redisServer'
import { type RelayTestClient, relayTestClient } from '../redis/relayClient'
import { type RelayNode, startRelayNode } from '../redis/relayProcess'
import { type DelayProxy, startDelayProxy } from './delayProxy'

let redis: RedisServer
const proxies: DelayProxy[] = []
const nodes: RelayNode[] = []
const clients: RelayTestClient[] = []

beforeAll(async () => {
  redis = await startRedisServer({ appendonly: true })
})
afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  await Promise.all(nodes.splice(0).map((n) => n.kill()))
  await Promise.all(proxies.splice(0).map((p) => p.close()))
})
afterAll(async () => {
  await redis?.close()
})

/** Waits for a condition; after a bound far above any healthy run it fails naming what never happened. */
async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 120_000
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

// Generous: three relay processes and a burst through delaying proxies on a shared machine.
describe('relay nodes with latency between them and Redis', { timeout: 180_000 }, () => {
  it('converge with every acknowledged change in the log once when each node sees another, changing latency', async () => {
    for (let i = 0; i < 3; i++) {
      const proxy = await startDelayProxy({ host: '127.0.0.1', port: redis.port })
      proxy.delay(10 + 20 * i)
      proxies.push(proxy)
    }
    nodes.push(...(await Promise.all(proxies.map((p) => startRelayNode(['--redis', p.url])))))
    const room = `r${randomUUID()}`
    const urls = nodes.map((n) => n.url)
    const all = nodes.flatMap((node, n) =>
      Array.from({ length: 2 }, (_, i) => {
        const c = relayTestClient(
          [node.url, ...urls.filter((u) => u !== node.url)],
          room,
          `n${n}c${i}`,
        )
        clients.push(c)
        return c
      }),
    )
    all[0]!.push([{ op: 'add', path: ['items'], value: [] }])
    // Every client joined before the burst, so each one's writes race the others'.
    await Promise.all(all.map((c) => c.settled(1)))
    for (const c of all) c.append(25)
    await until(
      '30 changes acknowledged',
      () => all.reduce((sum, c) => sum + c.acked.size, 0) >= 30,
    )
    // Mid-burst the fastest node becomes the slowest, so appends race in a new order.
    proxies[0]!.delay(80)
    proxies[2]!.delay(5)
    const total = 1 + all.length * 25
    await until('every client settled', () =>
      all.every((c) => c.pending() === 0 && c.seq() >= total),
    )

    const store = redisStore(redis.url)
    const log = (await store.since(room, 0)) ?? []
    await store.close()
    expect(log).toHaveLength(total)
    const bySeq = new Map(log.map((c) => [c.seq, c.id]))
    for (const c of all) for (const [id, seq] of c.acked) expect(bySeq.get(seq)).toBe(id)
    expect(new Set(log.map((c) => c.id)).size).toBe(log.length)
    for (const c of all) {
      expect(c.state()).toEqual(all[0]!.state())
      expect(c.rejected).toEqual([])
    }
  })
})
