import { randomUUID } from 'node:crypto'
import { io as connect } from 'socket.io-client'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createRelay } from '../../server/createRelay'
import { redisForwarding } from '../../server/ownership/redisForwarding'
import { redisOwnership } from '../../server/ownership/redisOwnership'
import { createRoomOwner } from '../../server/ownership/roomOwner'
import { type RedisFanout, redisAdapter } from '../../server/redisAdapter'
import type { RoomOwnership } from '../../server/relay/roomOwnership'
import type { Relay } from '../../server/relay/types'
import { type RoomLeases, redisLeases } from '../../server/store/redisLease'
import { type RedisRelayStore, redisStore } from '../../server/store/redisStore'
import type { StoredChange } from '../../server/store/types'
import { formatHlc } from '../../src/hlc'
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
  store: RedisRelayStore
  fanout: RedisFanout
  ownership: RoomOwnership
  url: string
  /** Changes this node's store appended, won or lost. */
  appends: number
  redone: number
  fenced: number
  close(): Promise<void>
}

interface NodeOptions {
  prefix: string
  leaseMs?: number
  /** Builds the ownership from the node's store instead of `redisOwnership`. */
  ownership?: (store: RedisRelayStore) => RoomOwnership
  /** Wraps the store the relay appends through. */
  wrap?: (store: RedisRelayStore) => RedisRelayStore
  metrics?: boolean
}

/** A relay node in this process on the shared Redis, with one writer per room. */
async function startNode(options: NodeOptions): Promise<Node> {
  const store = redisStore(redis.url, { prefix: options.prefix })
  const fanout = redisAdapter(store.client, { key: `${options.prefix}io` })
  const ownership =
    options.ownership?.(store) ?? redisOwnership(store, { leaseMs: options.leaseMs ?? 2_000 })
  const relay = createRelay({
    store: options.wrap ? options.wrap(store) : store,
    adapter: fanout.adapter,
    ownership,
    metrics: options.metrics ?? false,
  })
  const port = await relay.listen(0, '127.0.0.1')
  let closed = false
  const node: Node = {
    relay,
    store,
    fanout,
    ownership,
    url: `http://127.0.0.1:${port}`,
    appends: 0,
    redone: 0,
    fenced: 0,
    close: async () => {
      if (closed) return
      closed = true
      await relay.close()
      await fanout.close()
    },
  }
  relay.observe({
    storeOperation: (operation) => {
      if (operation === 'append') node.appends++
    },
    redone: (_room, n) => {
      node.redone += n
    },
    fenced: (_room, n) => {
      node.fenced += n
    },
  })
  cleanups.push(() => node.close())
  return node
}

async function startNodes(count: number, options: NodeOptions): Promise<Node[]> {
  const started: Node[] = []
  for (let i = 0; i < count; i++) started.push(await startNode(options))
  return started
}

/** `perNode` clients on each node, each failing over along the other nodes' URLs. */
function spread(nodes: Node[], room: string, perNode: number, tag = 'n'): RelayTestClient[] {
  const urls = nodes.map((n) => n.url)
  return nodes.flatMap((node, n) =>
    Array.from({ length: perNode }, (_, i) => {
      const c = relayTestClient(
        [node.url, ...urls.filter((u) => u !== node.url)],
        room,
        `${tag}${n}c${i}`,
      )
      cleanups.push(() => c.close())
      return c
    }),
  )
}

async function seed(client: RelayTestClient): Promise<void> {
  client.push([{ op: 'add', path: ['items'], value: [] }])
  await client.settled(1)
}

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 20))
}

async function logOf(store: RedisRelayStore, room: string): Promise<StoredChange[]> {
  return (await store.since(room, 0)) ?? []
}

/** The node named by the room's lease, read straight from Redis. */
async function holder(store: RedisRelayStore, room: string): Promise<string | undefined> {
  const lease = (await store.client.call('GET', `${store.prefix}{${room}}:lease`)) as string | null
  return lease?.split(' ')[1]
}

/** Every change acknowledged to a client is in the log at that sequence; ids and sequences once each. */
function expectLogHoldsAcked(all: RelayTestClient[], log: StoredChange[]): void {
  const bySeq = new Map(log.map((c) => [c.seq, c.id]))
  for (const c of all) for (const [id, seq] of c.acked) expect(bySeq.get(seq)).toBe(id)
  expect(new Set(log.map((c) => c.id)).size).toBe(log.length)
  expect(log.map((c) => c.seq)).toEqual(log.map((_, i) => i + 1))
}

describe('one writer per room across relay nodes', { timeout: 120_000 }, () => {
  it('refuses a lease time that is not a positive integer, naming the option', async () => {
    const store = redisStore(redis.url)
    cleanups.push(() => store.close())
    expect(() => redisOwnership(store, { leaseMs: 0 })).toThrow(
      expect.objectContaining({
        code: 'option',
        details: { option: 'leaseMs', received: 'number 0' },
      }),
    )
  })

  it('appends one room written from three nodes through one node, once per change, with nothing redone', async () => {
    const nodes = await startNodes(3, { prefix: `o${randomUUID()}:` })
    const all = spread(nodes, 'room', 2)
    await seed(all[0]!)
    for (const c of all) c.append(30)
    const total = 1 + all.length * 30
    await Promise.all(all.map((c) => c.settled(total)))

    const log = await logOf(nodes[0]!.store, 'room')
    expect(log).toHaveLength(total)
    expectLogHoldsAcked(all, log)
    for (const c of all) {
      expect(c.state()).toEqual(all[0]!.state())
      expect(c.rejected).toEqual([])
    }
    expect(nodes.map((n) => n.redone)).toEqual([0, 0, 0])
    expect(nodes.filter((n) => n.appends > 0)).toHaveLength(1)
  })

  it('answers a forwarded push with the verdicts of the owner, refusals included', async () => {
    const [owner, other] = await startNodes(2, { prefix: `o${randomUUID()}:` })
    const [first] = spread([owner!], 'room', 1)
    await seed(first!)
    const [late] = spread([other!], 'room', 1, 'late')
    late!.push([{ op: 'add', path: ['items', '-'], value: 'x' }])
    late!.push([{ op: 'remove', path: ['missing', 'deep'] }])
    await late!.settled(2)
    expect([...late!.acked.values()]).toEqual([2])
    expect(late!.rejected).toEqual([{ id: 'late0c0:2', reason: 'bad_request' }])
    expect(other!.appends).toBe(0)
  })

  it('hands a room over at once when its owner closes mid-burst, losing nothing acknowledged and using no sequence twice', async () => {
    // Leases far longer than the test: only the release on close lets another node take over.
    const nodes = await startNodes(3, { prefix: `o${randomUUID()}:`, leaseMs: 600_000 })
    const all = spread(nodes, 'room', 2)
    await seed(all[0]!)
    const first = await holder(nodes[0]!.store, 'room')
    const owner = nodes.find((n) => n.ownership.node === first)!
    for (const c of all) c.append(40)
    await until(() => all.reduce((n, c) => n + c.acked.size, 0) >= 80)
    await owner.close()
    // More writes once the owner is gone: its drain may have finished the whole burst, and
    // only pushes after its release make another node take the room.
    for (const c of all) c.append(10)
    const total = 1 + all.length * 50
    await Promise.all(all.map((c) => c.settled(total)))

    const survivor = nodes.find((n) => n !== owner)!
    const log = await logOf(survivor.store, 'room')
    expect(log).toHaveLength(total)
    expectLogHoldsAcked(all, log)
    const next = await holder(survivor.store, 'room')
    expect(nodes.filter((n) => n !== owner).map((n) => n.ownership.node)).toContain(next)
    for (const n of nodes) expect(n.redone).toBe(0)
  })

  it('refuses the append of a node that was paused past its lease while another node took the room over', async () => {
    const prefix = `o${randomUUID()}:`
    // Node A stalls the way a paused process does: its next append is held back
    // and, from then on, its lease calls (renewals) do not reach Redis until it resumes.
    let paused = false
    let resume: () => void = () => {}
    let stalled: Promise<void> | undefined
    let reachedAppend: () => void = () => {}
    const atAppend = new Promise<void>((r) => {
      reachedAppend = r
    })
    const a = await startNode({
      prefix,
      metrics: true,
      ownership: (store) => {
        const leases = redisLeases(store)
        const pausable: RoomLeases = {
          ...leases,
          acquire: (...args) =>
            paused ? stalled!.then(() => leases.acquire(...args)) : leases.acquire(...args),
        }
        return createRoomOwner(
          pausable,
          redisForwarding(store, { channel: `${prefix}node:`, timeoutMs: 5_000 }),
          { node: 'A', leaseMs: 300, idleMs: 60_000 },
        )
      },
      wrap: (store) => ({
        ...store,
        appendMany: async (...args) => {
          if (stalled) {
            paused = true
            reachedAppend()
            await stalled
          }
          return store.appendMany(...args)
        },
      }),
    })
    const b = await startNode({ prefix, leaseMs: 60_000 })
    const [onA] = spread([a], 'room', 1)
    await seed(onA!)
    expect(await holder(a.store, 'room')).toBe('A')

    stalled = new Promise<void>((r) => {
      resume = r
    })
    onA!.push([{ op: 'add', path: ['items', '-'], value: 'from A' }])
    await atAppend
    // A's lease runs out and B takes the room.
    await until(async () => (await holder(a.store, 'room')) === undefined)
    const [onB] = spread([b], 'room', 1, 'b')
    onB!.push([{ op: 'add', path: ['items', '-'], value: 'from B' }])
    await until(() => onB!.acked.size === 1)
    expect(await holder(a.store, 'room')).toBe(b.ownership.node)

    // A resumes and appends with its old token: the store refuses; the change goes to B.
    const release = stalled
    stalled = undefined
    paused = false
    resume()
    await release
    await onA!.settled(3)
    await onB!.settled(3)

    expect(a.fenced).toBe(1)
    // Node A passed the refused change on to B itself: its client never had to push it again.
    expect(onA!.retried()).toBe(0)
    expect(await a.relay.metrics!.text()).toMatch(/^patchwire_relay_changes_fenced_total 1$/m)
    const log = await logOf(a.store, 'room')
    expect(log.map((c) => c.ops[0]?.value)).toEqual([[], 'from B', 'from A'])
    expectLogHoldsAcked([onA!, onB!], log)
    expect(onA!.state()).toEqual({ items: ['from B', 'from A'] })
  })
  it('refuses a change under another client id with its own reason while the owner of its room cannot be reached', async () => {
    const prefix = `o${randomUUID()}:`
    let forwarding: ReturnType<typeof redisForwarding> | undefined
    const a = await startNode({
      prefix,
      ownership: (store) => {
        forwarding = redisForwarding(store, { channel: `${prefix}node:`, timeoutMs: 5_000 })
        return createRoomOwner(redisLeases(store), forwarding, {
          node: 'A',
          leaseMs: 600_000,
          idleMs: 600_000,
        })
      },
    })
    const b = await startNode({ prefix, leaseMs: 600_000 })
    const [onA] = spread([a], 'room', 1)
    await seed(onA!)
    expect(await holder(a.store, 'room')).toBe('A')
    // A keeps its lease but no longer hears forwarded pushes (as while its subscriber reconnects).
    await forwarding!.close()

    const socket = connect(b.url, { transports: ['websocket'], forceNew: true })
    cleanups.push(() => {
      socket.disconnect()
    })
    const joined = (await socket.emitWithAck('join', {
      room: 'room',
      schemaVersion: 1,
      clientId: 'b1',
    })) as { ok: boolean }
    expect(joined.ok).toBe(true)
    const ts = formatHlc({ wall: Date.now(), counter: 0, node: 'b1' })
    const op = { op: 'add', path: ['items', '-'], value: 'x' }
    const ack = (await socket.emitWithAck('push', {
      room: 'room',
      changes: [
        { id: 'n0c0:7', ts, ops: [op] },
        { id: 'b1:1', ts, ops: [op] },
      ],
    })) as { ok: boolean; results: { id: string; reason?: string }[] }
    expect(ack.ok).toBe(true)
    expect(ack.results.map((r) => [r.id, r.reason])).toEqual([
      ['n0c0:7', 'bad_request'],
      ['b1:1', 'unavailable'],
    ])
    expect((await logOf(b.store, 'room')).map((c) => c.id)).toEqual(['n0c0:1'])
  })
})
