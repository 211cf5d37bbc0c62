import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type RedisRelayStore, redisStore } from '../../server/store/redisStore'
import { type RedisServer, startRedisServer } from './redisServer'
import { type RelayTestClient, relayTestClient } from './relayClient'
import { type RelayNode, startRelayNode } from './relayProcess'

let redis: RedisServer
let store: RedisRelayStore
const nodes: RelayNode[] = []
const clients: RelayTestClient[] = []

beforeAll(async () => {
  redis = await startRedisServer({ appendonly: true })
  store = redisStore(redis.url)
})
afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  await Promise.all(nodes.splice(0).map((n) => n.kill()))
})
afterAll(async () => {
  await store?.close()
  await redis?.close()
})

/** The room's lease holder, as the CLI's `listening` line names nodes. */
async function holder(room: string): Promise<string | undefined> {
  const lease = (await store.client.call('GET', `patchwire:{${room}}:lease`)) as string | null
  return lease?.split(' ')[1]
}

const nodeId = (n: RelayNode): unknown => n.lines.find((l) => l.msg === 'listening')?.node

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 20))
}

describe('room ownership across relay processes', { timeout: 120_000 }, () => {
  it('an owner killed mid-burst loses the room when its lease expires, another node takes it over, and nothing acknowledged is lost', async () => {
    const started = await Promise.all([1, 2, 3].map(() => startRelayNode(['--redis', redis.url])))
    nodes.push(...started)
    const room = `r${randomUUID()}`
    const urls = started.map((n) => n.url)
    const all = started.flatMap((node, n) =>
      [0, 1].map((i) => {
        const c = relayTestClient(
          [node.url, ...urls.filter((u) => u !== node.url)],
          room,
          `k${n}c${i}`,
        )
        clients.push(c)
        return c
      }),
    )
    all[0]!.push([{ op: 'add', path: ['items'], value: [] }])
    await all[0]!.settled(1)
    const first = await holder(room)
    const owner = started.find((n) => nodeId(n) === first)
    expect(owner).toBeDefined()

    for (const c of all) c.append(40)
    await until(() => all.reduce((n, c) => n + c.acked.size, 0) >= 60)
    await owner!.kill('SIGKILL')
    const total = 1 + all.length * 40
    await Promise.all(all.map((c) => c.settled(total)))

    const log = (await store.since(room, 0)) ?? []
    expect(log).toHaveLength(total)
    const bySeq = new Map(log.map((c) => [c.seq, c.id]))
    for (const c of all) for (const [id, seq] of c.acked) expect(bySeq.get(seq)).toBe(id)
    expect(new Set(log.map((c) => c.id)).size).toBe(total)
    expect(log.map((c) => c.seq)).toEqual(log.map((_, i) => i + 1))
    for (const c of all) {
      expect(c.state()).toEqual(all[0]!.state())
      expect(c.rejected).toEqual([])
    }
    const next = await holder(room)
    expect(started.filter((n) => n !== owner).map(nodeId)).toContain(next)
    // Until the dead owner's lease ran out, pushes had no owner: answered unavailable and pushed again.
    expect(all.reduce((n, c) => n + c.retried(), 0)).toBeGreaterThan(0)
  })
})
