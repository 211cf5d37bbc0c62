import { randomUUID } from 'node:crypto'
import { Cluster } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { parseClusterUrl } from '../../server/store/redisCluster'
import { redisStore } from '../../server/store/redisStore'
import type { StoredChange } from '../../server/store/types'
import { type RedisCluster, startRedisCluster } from './redisCluster'
import { type RelayTestClient, relayTestClient } from './relayClient'
import { type RelayNode, startRelayNode } from './relayProcess'

let cluster: RedisCluster
const nodes: RelayNode[] = []
const clients: RelayTestClient[] = []

beforeAll(async () => {
  // Three masters with a replica each, so a master can fail over.
  cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1 })
})
afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  await Promise.all(nodes.splice(0).map((n) => n.kill()))
})
afterAll(async () => {
  await cluster?.close()
})

async function startNodes(count: number): Promise<RelayNode[]> {
  const started = await Promise.all(
    Array.from({ length: count }, () => startRelayNode(['--redis', cluster.url])),
  )
  nodes.push(...started)
  return started
}

/** `perNode` clients of `room` on each node, each failing over along the other nodes' URLs. */
function spread(started: RelayNode[], room: string, perNode: number): RelayTestClient[] {
  const urls = started.map((n) => n.url)
  return started.flatMap((node, n) =>
    Array.from({ length: perNode }, (_, i) => {
      const c = relayTestClient(
        [node.url, ...urls.filter((u) => u !== node.url)],
        room,
        `p${n}c${i}`,
      )
      clients.push(c)
      return c
    }),
  )
}

/** The relay node holding `room`'s lease, read straight from the cluster. */
async function leaseHolder(room: string): Promise<string | undefined> {
  const { nodes: seeds, redisOptions } = parseClusterUrl(cluster.url)
  const client = new Cluster(seeds, { redisOptions })
  try {
    return (await client.get(`patchwire:{${room}}:lease`))?.split(' ')[1]
  } finally {
    client.disconnect()
  }
}

/** The relay node id a CLI node's listening line names. */
function nodeIdOf(node: RelayNode): unknown {
  return node.lines.find((l) => l.msg === 'listening')?.node
}

/** The room's whole log, read straight from the cluster. */
async function logOf(room: string): Promise<StoredChange[]> {
  const store = redisStore(cluster.url)
  try {
    return (await store.since(room, 0)) ?? []
  } finally {
    await store.close()
  }
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 20))
}

/** Every change a client was told is acknowledged sits in the log at that sequence, once. */
function expectAckedInLog(all: RelayTestClient[], log: StoredChange[]): void {
  const bySeq = new Map(log.map((c) => [c.seq, c.id]))
  for (const c of all) for (const [id, seq] of c.acked) expect(bySeq.get(seq)).toBe(id)
  expect(new Set(log.map((c) => c.id)).size).toBe(log.length)
  expect(log.map((c) => c.seq)).toEqual(log.map((_, i) => i + 1))
}

/** Room names until every master holds at least one of them. */
async function roomsOnEveryMaster(): Promise<string[]> {
  const base = `r${randomUUID()}`
  const rooms: string[] = []
  const masters = new Set<number>()
  for (let i = 0; masters.size < 3 && i < 200; i++) {
    rooms.push(`${base}-${i}`)
    masters.add(await cluster.masterOf(`patchwire:{${base}-${i}}:head`))
  }
  expect(masters.size).toBe(3)
  return rooms
}

/**
 * Appends 40 changes from every client, runs `fault` once 60 are
 * acknowledged, appends 10 more from every client while the fault is under
 * way (the `meanwhile` it is given), and checks the outcome.
 */
async function burstThrough(
  started: RelayNode[],
  fault: (room: string, meanwhile: () => void) => Promise<void>,
): Promise<void> {
  const room = `r${randomUUID()}`
  const all = spread(started, room, 2)
  all[0]!.push([{ op: 'add', path: ['items'], value: [] }])
  // Every client joined before the burst, so each one's writes meet the fault.
  await Promise.all(all.map((c) => c.settled(1)))
  for (const c of all) c.append(40)
  await until(() => all.reduce((sum, c) => sum + c.acked.size, 0) >= 60)
  let duringFault = false
  await fault(room, () => {
    duringFault = true
    for (const c of all) c.append(10)
  })
  expect(duringFault).toBe(true)
  const total = 1 + all.length * 50
  await Promise.all(all.map((c) => c.settled(total)))

  const log = await logOf(room)
  expect(log).toHaveLength(total)
  expectAckedInLog(all, log)
  for (const c of all) {
    expect(c.state()).toEqual(all[0]!.state())
    expect(c.rejected).toEqual([])
  }
}

// Generous: these start processes and run bursts on a machine shared with the whole suite.
describe('relay nodes on a Redis Cluster', { timeout: 360_000 }, () => {
  it('pushes forwarded from one node to the owner of their room on another are accepted on the first try', async () => {
    const [owner, forwarder] = await startNodes(2)
    const room = `r${randomUUID()}`
    const onOwner = relayTestClient([owner!.url], room, 'owner')
    const onForwarder = relayTestClient([forwarder!.url], room, 'forwarder')
    clients.push(onOwner, onForwarder)
    onOwner.push([{ op: 'add', path: ['items'], value: [] }])
    await onOwner.settled(1)
    expect(await leaseHolder(room)).toBe(nodeIdOf(owner!))
    await onForwarder.settled(1)
    // One push at a time, each its own forward: a classic PUBLISH runs on a master picked at
    // random and counts only that cluster node's subscribers, so most of these would count 0
    // and be refused as if the owner were gone.
    for (let n = 1; n <= 20; n++) {
      onForwarder.append(1)
      await onForwarder.settled(1 + n)
    }
    expect(onForwarder.retried()).toBe(0)
    expect(onForwarder.rejected).toEqual([])
    expect(onForwarder.acked.size).toBe(20)
    expect(await leaseHolder(room)).toBe(nodeIdOf(owner!))
  })

  it('pushes forwarded to an owner whose channel was on a master that froze and came back as a replica are accepted on the first try', async () => {
    const [owner, forwarder] = await startNodes(2)
    const channel = `patchwire:node:${nodeIdOf(owner!)}`
    const frozen = await cluster.masterOf(channel)
    // The room lives on another master, so nothing the forwarder sends about it is answered
    // MOVED: only a MOVED (or a lost connection) would tell its client that the slots moved.
    const base = `r${randomUUID()}`
    let room = base
    for (let i = 0; (await cluster.masterOf(`patchwire:{${room}}:head`)) === frozen; i++) {
      room = `${base}-${i}`
    }
    const onOwner = relayTestClient([owner!.url], room, 'owner')
    const onForwarder = relayTestClient([forwarder!.url], room, 'forwarder')
    clients.push(onOwner, onForwarder)
    onOwner.push([{ op: 'add', path: ['items'], value: [] }])
    await onOwner.settled(1)
    await onForwarder.settled(1)
    expect(await leaseHolder(room)).toBe(nodeIdOf(owner!))

    expect(await cluster.freezeMaster(channel, 8)).not.toBe(frozen)
    // Back as the replica of its successor: a replica serves SPUBLISH for its master's slots
    // itself, counting only its own subscribers, and the forwarder's client still sends there.
    expect(await cluster.replicaInSync(channel)).toBe(frozen)
    for (let n = 1; n <= 10; n++) {
      onForwarder.append(1)
      let settled = false
      void onForwarder.settled(1 + n).then(() => {
        settled = true
      })
      await until(() => settled || onForwarder.retried() > 0)
      expect(onForwarder.retried()).toBe(0)
    }
    expect(onForwarder.rejected).toEqual([])
    expect(onForwarder.acked.size).toBe(10)
    expect(await leaseHolder(room)).toBe(nodeIdOf(owner!))
  })

  it('clients of rooms on every master, spread over three nodes, converge with every acknowledged change in the log once', async () => {
    const started = await startNodes(3)
    const rooms = await roomsOnEveryMaster()
    const byRoom = rooms.map((room) => spread(started, room, 1))
    for (const all of byRoom) {
      all[0]!.push([{ op: 'add', path: ['items'], value: [] }])
      await all[0]!.settled(1)
      for (const c of all) c.append(15)
    }
    const total = 1 + 3 * 15
    for (const all of byRoom) await Promise.all(all.map((c) => c.settled(total)))

    for (const [i, all] of byRoom.entries()) {
      const log = await logOf(rooms[i]!)
      expect(log).toHaveLength(total)
      expectAckedInLog(all, log)
      for (const c of all) {
        expect(c.state()).toEqual(all[0]!.state())
        expect(c.rejected).toEqual([])
      }
    }
  })

  it('a master failing over to its replica mid-burst loses no acknowledged change and applies none twice', async () => {
    const started = await startNodes(3)
    await burstThrough(started, async (room, meanwhile) => {
      const before = await cluster.masterOf(`patchwire:{${room}}:head`)
      expect(await cluster.failover(`patchwire:{${room}}:head`, meanwhile)).not.toBe(before)
    })
  })

  it('a master that freezes mid-burst is replaced by its replica, and no acknowledged change is lost or applied twice', async () => {
    const started = await startNodes(3)
    await burstThrough(started, async (room, meanwhile) => {
      const before = await cluster.masterOf(`patchwire:{${room}}:head`)
      // Frozen longer than the store's command timeout, so nothing it takes meanwhile is acknowledged.
      expect(await cluster.freezeMaster(`patchwire:{${room}}:head`, 10, meanwhile)).not.toBe(before)
    })
  })

  it('a master killed mid-burst is replaced by its replica, and every client converges', async () => {
    const started = await startNodes(3)
    await burstThrough(started, async (room, meanwhile) => {
      const before = await cluster.masterOf(`patchwire:{${room}}:head`)
      expect(await cluster.killMaster(`patchwire:{${room}}:head`, meanwhile)).not.toBe(before)
    })
  })
})
