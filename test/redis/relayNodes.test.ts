import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createRelay } from '../../server/createRelay'
import { resyncLocalRooms } from '../../server/redisAdapter'
import type { Relay, RelayLogEntry } from '../../server/relay/types'
import { type RedisRelayStore, redisStore } from '../../server/store/redisStore'
import { type RedisServer, startRedisServer } from './redisServer'
import { type RelayTestClient, relayTestClient } from './relayClient'

let redis: RedisServer
const cleanups: (() => Promise<void> | void)[] = []

beforeAll(async () => {
  redis = await startRedisServer({ appendonly: true })
})
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})
afterAll(async () => {
  await redis?.close()
})

interface Node {
  relay: Relay
  /** A connection of its own to the nodes' Redis keys, for writes behind the relays' backs. */
  store: RedisRelayStore
  logs: RelayLogEntry[]
  url: string
}

/** Relay nodes in this process sharing one Redis, the way separate processes would. */
async function nodes(count: number, prefix: string, compactEvery?: number): Promise<string[]> {
  return (await startNodes(count, prefix, compactEvery)).map((n) => n.url)
}

async function startNodes(count: number, prefix: string, compactEvery?: number): Promise<Node[]> {
  const started: Node[] = []
  for (let i = 0; i < count; i++) {
    const logs: RelayLogEntry[] = []
    // The wiring a user writes: one option, the relay opens the store and the fan-out.
    const relay: Relay = createRelay({
      redis: { connection: redis.url, prefix, fanout: { key: `${prefix}io` } },
      log: (entry) => logs.push(entry),
      ...(compactEvery ? { compactEvery, keepTail: 5 } : {}),
    })
    const store = redisStore(redis.url, { prefix })
    const port = await relay.listen(0, '127.0.0.1')
    cleanups.push(async () => {
      await relay.close()
      await store.close()
    })
    started.push({ relay, store, logs, url: `http://127.0.0.1:${port}` })
  }
  return started
}

function clients(urls: string[], room: string, perNode: number): RelayTestClient[] {
  const all: RelayTestClient[] = []
  urls.forEach((url, n) => {
    for (let i = 0; i < perNode; i++) {
      // Each client starts on its own node and fails over along the rest of the list.
      const c = relayTestClient([url, ...urls.filter((u) => u !== url)], room, `n${n}c${i}`)
      cleanups.push(() => c.close())
      all.push(c)
    }
  })
  return all
}

/** Creates `/items` once, before the concurrent appends. */
async function seedRoom(client: RelayTestClient): Promise<void> {
  client.push([{ op: 'add', path: ['items'], value: [] }])
  await client.settled(1)
}

async function converge(all: RelayTestClient[], perClient: number): Promise<number> {
  const total = 1 + all.length * perClient
  await Promise.all(all.map((c) => c.settled(total)))
  return total
}

describe('several relay nodes on one Redis', { timeout: 120_000 }, () => {
  it('gives every client on every node the same state and sequence when all push to one room at once', async () => {
    const urls = await nodes(3, `t${randomUUID()}:`)
    const all = clients(urls, 'room', 2)
    await seedRoom(all[0]!)
    for (const c of all) c.append(25)
    const total = await converge(all, 25)
    const reference = all[0]!.state()
    for (const c of all) {
      expect(c.seq()).toBe(total)
      expect(c.state()).toEqual(reference)
      expect(c.rejected).toEqual([])
    }
    const items = reference.items as { by: string; n: number }[]
    expect(items).toHaveLength(total - 1)
    // Each client's own changes keep their order within the room's one order.
    for (const c of all) {
      const mine = items.filter((i) => i.by === c.clientId).map((i) => i.n)
      expect(mine).toEqual([...mine].sort((a, b) => a - b))
    }
  })

  it('acknowledges each change with the sequence at which every client sees it', async () => {
    const urls = await nodes(2, `t${randomUUID()}:`)
    const all = clients(urls, 'room', 2)
    await seedRoom(all[0]!)
    for (const c of all) c.append(10)
    await converge(all, 10)
    const items = all[0]!.state().items as { by: string; n: number }[]
    for (const c of all) {
      for (const [id, seq] of c.acked) {
        if (seq === 1) continue
        // Sequence s holds items[s - 2]: seq 1 created the array.
        expect(`${items[seq - 2]?.by}:${items[seq - 2]?.n}`).toBe(id)
      }
    }
  })

  it('lets a client that joins late on another node catch up after compaction', async () => {
    const urls = await nodes(2, `t${randomUUID()}:`, 10)
    const [writer] = clients([urls[0]!], 'room', 1)
    await seedRoom(writer!)
    writer!.append(40)
    await writer!.settled(41)
    const [late] = clients([urls[1]!], 'room', 1)
    await late!.settled(41)
    expect(late!.state()).toEqual(writer!.state())
  })

  it('resends the latest change of each local room so a client that missed a broadcast sees the gap', async () => {
    const [a, b] = await startNodes(2, `t${randomUUID()}:`)
    const [writer] = clients([a!.url], 'room', 1)
    const [reader] = clients([b!.url], 'room', 1)
    await seedRoom(writer!)
    await reader!.settled(1)
    // Simulate a broadcast lost on the way to node b: append behind the relays' backs.
    await b!.store.append('room', 1, {
      seq: 2,
      id: 'side:1',
      origin: 'side',
      ts: '0000000000001:0000:side',
      ops: [{ op: 'add', path: ['items', '-'], value: { by: 'side', n: 1 } }],
    })
    await resyncLocalRooms(b!.relay.io, b!.store)
    await reader!.settled(2)
    expect(reader!.state()).toEqual({ items: [{ by: 'side', n: 1 }] })
  })

  it('a node started with the redis option resyncs its rooms once its fan-out subscription is back after Redis restarts', async () => {
    const [a, b] = await startNodes(2, `t${randomUUID()}:`)
    const [writer] = clients([a!.url], 'room', 1)
    const [reader] = clients([b!.url], 'room', 1)
    await seedRoom(writer!)
    // A change broadcast from node a reaching the reader on node b: b's subscription is in place.
    writer!.append(1)
    await reader!.settled(2)
    // A change no broadcast announced, as if published while the nodes' subscriptions were down.
    await b!.store.append('room', 2, {
      seq: 3,
      id: 'side:1',
      origin: 'side',
      ts: '0000000000001:0000:side',
      ops: [{ op: 'add', path: ['items', '-'], value: { by: 'side', n: 1 } }],
    })
    await redis.restart()
    await reader!.settled(3)
    expect(reader!.state()).toEqual({
      items: [
        { by: writer!.clientId, n: 2 },
        { by: 'side', n: 1 },
      ],
    })
    expect(b!.logs.map((e) => e.msg)).toContain('redis fan-out resubscribed')
    expect(b!.logs.map((e) => e.msg)).toContain(
      'redis connection lost; pushes are refused as unavailable until it is back',
    )
  })
})
