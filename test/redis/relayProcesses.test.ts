import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { redisStore } from '../../server/store/redisStore'
import type { StoredChange } from '../../server/store/types'
import { type RedisServer, startRedisServer } from './redisServer'
import { type RelayTestClient, relayTestClient } from './relayClient'
import { type RelayNode, startRelayNode } from './relayProcess'

let redis: RedisServer
const nodes: RelayNode[] = []
const clients: RelayTestClient[] = []

beforeAll(async () => {
  redis = await startRedisServer({ appendonly: true })
})
afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  await Promise.all(nodes.splice(0).map((n) => n.kill()))
})
afterAll(async () => {
  await redis?.close()
})

async function startNodes(count: number): Promise<RelayNode[]> {
  const started = await Promise.all(
    Array.from({ length: count }, () => startRelayNode(['--redis', redis.url])),
  )
  nodes.push(...started)
  return started
}

/** `perNode` clients on each node, each failing over along the other nodes' URLs. */
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

/** The room's whole log, read straight from Redis. */
async function logOf(room: string): Promise<StoredChange[]> {
  const store = redisStore(redis.url)
  try {
    return (await store.since(room, 0)) ?? []
  } finally {
    await store.close()
  }
}

function ackedTotal(all: RelayTestClient[]): number {
  return all.reduce((sum, c) => sum + c.acked.size, 0)
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

// Generous: these start processes and run bursts on a machine shared with the whole suite.
describe('relay nodes as separate processes on one Redis', { timeout: 120_000 }, () => {
  it('a node killed mid-burst loses no acknowledged change and its clients fail over to the others', async () => {
    const started = await startNodes(3)
    const room = `r${randomUUID()}`
    const all = spread(started, room, 2)
    all[0]!.push([{ op: 'add', path: ['items'], value: [] }])
    await all[0]!.settled(1)
    for (const c of all) c.append(40)
    await until(() => ackedTotal(all) >= 60)
    await started[0]!.kill('SIGKILL')
    const total = 1 + all.length * 40
    await Promise.all(all.map((c) => c.settled(total)))

    const log = await logOf(room)
    expect(log).toHaveLength(total)
    expectAckedInLog(all, log)
    for (const c of all) {
      expect(c.state()).toEqual(all[1]!.state())
      expect(c.rejected).toEqual([])
    }
    // The killed node's clients really moved.
    expect(all[0]!.connections()).toBeGreaterThan(1)
    expect(all[1]!.connections()).toBeGreaterThan(1)
  })

  it('relays refuse pushes while Redis is down and accept them again once it restarts, keeping every acknowledged change', async () => {
    const started = await startNodes(2)
    const room = `r${randomUUID()}`
    const all = spread(started, room, 2)
    all[0]!.push([{ op: 'add', path: ['items'], value: [] }])
    await all[0]!.settled(1)
    for (const c of all) c.append(10)
    await Promise.all(all.map((c) => c.settled(41)))
    const before = new Map(all.flatMap((c) => [...c.acked]))

    await redis.stop()
    for (const c of all) c.append(10)
    // Every node notices and refuses instead of accepting what it cannot store.
    await until(() =>
      started.every((n) => n.lines.some((l) => String(l.msg).startsWith('redis connection lost'))),
    )
    await until(() => all.some((c) => c.retried() > 0))
    await redis.restart()
    await Promise.all(all.map((c) => c.settled(81)))

    const log = await logOf(room)
    expect(log).toHaveLength(81)
    for (const [id, seq] of before) expect(log[seq - 1]?.id).toBe(id)
    expectAckedInLog(all, log)
    for (const c of all) expect(c.state()).toEqual(all[0]!.state())
  })
})
