import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { redisLeases as openLeases, type RoomLeases } from '../../server/store/redisLease'
import { type RedisRelayStore, redisStore } from '../../server/store/redisStore'
import type { StoredChange } from '../../server/store/types'
import { type RedisServer, startRedisServer } from './redisServer'

let redis: RedisServer
let store: RedisRelayStore
const opened: RoomLeases[] = []

beforeAll(async () => {
  redis = await startRedisServer()
})
afterEach(async () => {
  for (const l of opened.splice(0)) await l.close()
  await store?.close()
})
afterAll(async () => {
  await redis?.close()
})

const change = (seq: number, by: string): StoredChange => ({
  seq,
  id: `${by}:${seq}`,
  origin: by,
  ts: `000000000000${seq}:0000:${by}`,
  ops: [{ op: 'add', path: [`k${seq}`], value: by }],
})

async function open(): Promise<RedisRelayStore> {
  store = redisStore(redis.url, { prefix: `l${randomUUID()}:` })
  await store.ping()
  return store
}

function redisLeases(s: RedisRelayStore): RoomLeases {
  const leases = openLeases(s)
  opened.push(leases)
  return leases
}

/** Waits until Redis has expired the room's lease. */
async function leaseExpired(s: RedisRelayStore, room: string): Promise<void> {
  while ((await s.client.call('EXISTS', `${s.prefix}{${room}}:lease`)) === 1) {
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('room leases in Redis', { timeout: 60_000 }, () => {
  it('a free lease goes to the first node that asks, and another node is told who holds it', async () => {
    const s = await open()
    const leases = redisLeases(s)
    const a = await leases.acquire('room', 'A', 10_000)
    const b = await leases.acquire('room', 'B', 10_000)
    expect(a).toEqual({ token: 1, node: 'A', mine: true })
    expect(b).toEqual({ token: 1, node: 'A', mine: false })
  })

  it('every new holder gets a greater fencing token, also after a release', async () => {
    const s = await open()
    const leases = redisLeases(s)
    const a = await leases.acquire('room', 'A', 10_000)
    expect(await leases.release('room', 'A', a.token)).toBe(true)
    const b = await leases.acquire('room', 'B', 10_000)
    expect(b.mine).toBe(true)
    expect(b.token).toBeGreaterThan(a.token)
  })

  it('tells who holds a lease without taking it, and nobody once it is released', async () => {
    const s = await open()
    const leases = redisLeases(s)
    expect(await leases.holder('room')).toBeUndefined()
    const a = await leases.acquire('room', 'A', 10_000)
    expect(await leases.holder('room')).toBe('A')
    expect(await leases.release('room', 'A', a.token)).toBe(true)
    expect(await leases.holder('room')).toBeUndefined()
    expect((await leases.acquire('room', 'B', 10_000)).mine).toBe(true)
  })

  it('only the holder can release a lease', async () => {
    const s = await open()
    const leases = redisLeases(s)
    const a = await leases.acquire('room', 'A', 10_000)
    expect(await leases.release('room', 'B', a.token)).toBe(false)
    expect((await leases.acquire('room', 'B', 10_000)).mine).toBe(false)
    expect(await leases.release('room', 'A', a.token)).toBe(true)
  })

  it('asking again renews the lease under the same token', async () => {
    const s = await open()
    const leases = redisLeases(s)
    const a = await leases.acquire('room', 'A', 200)
    const again = await leases.acquire('room', 'A', 60_000)
    expect(again).toEqual(a)
    expect(Number(await s.client.call('PTTL', `${s.prefix}{room}:lease`))).toBeGreaterThan(200)
  })

  it('a lease that ran out while nobody else took it is taken again under a new token', async () => {
    const s = await open()
    const leases = redisLeases(s)
    const a = await leases.acquire('room', 'A', 100)
    await leaseExpired(s, 'room')
    const again = await leases.acquire('room', 'A', 10_000)
    expect(again.mine).toBe(true)
    expect(again.token).toBeGreaterThan(a.token)
    expect(await s.appendMany('room', 0, [change(1, 'a')], a.token)).toMatchObject({ fenced: true })
    expect(await s.appendMany('room', 0, [change(1, 'a')], again.token)).toEqual({ ok: true })
  })

  it('an append carrying the lease token is stored', async () => {
    const s = await open()
    const lease = await redisLeases(s).acquire('room', 'A', 10_000)
    expect(await s.appendMany('room', 0, [change(1, 'a')], lease.token)).toEqual({ ok: true })
    expect((await s.since('room', 0))?.map((c) => c.id)).toEqual(['a:1'])
  })

  it('a node whose lease expired and was taken over cannot append with its old token', async () => {
    const s = await open()
    const leases = redisLeases(s)
    // Node A stops renewing (paused); its lease runs out and B takes the room.
    const a = await leases.acquire('room', 'A', 100)
    await leaseExpired(s, 'room')
    const b = await leases.acquire('room', 'B', 10_000)
    expect(b.mine).toBe(true)
    expect(await s.appendMany('room', 0, [change(1, 'b')], b.token)).toEqual({ ok: true })

    // A resumes believing it owns the room, at the head it last saw and at the current one.
    expect(await s.appendMany('room', 0, [change(1, 'a')], a.token)).toEqual({
      ok: false,
      head: 1,
      fenced: true,
    })
    expect(await s.append('room', 1, change(2, 'a'), a.token)).toEqual({
      ok: false,
      head: 1,
      fenced: true,
    })
    expect((await s.since('room', 0))?.map((c) => c.id)).toEqual(['b:1'])
    expect(await leases.acquire('room', 'A', 10_000)).toEqual({
      token: b.token,
      node: 'B',
      mine: false,
    })
  })

  it('an append under an expired lease nobody took over is refused too', async () => {
    const s = await open()
    const a = await redisLeases(s).acquire('room', 'A', 100)
    await leaseExpired(s, 'room')
    const result = await s.appendMany('room', 0, [change(1, 'a')], a.token)
    expect(result).toEqual({ ok: false, head: 0, fenced: true })
    expect(await s.head('room')).toBe(0)
  })

  it('keeps the lease under the hash tag of the room log, so one script touches one slot', async () => {
    const s = await open()
    await redisLeases(s).acquire('a{b}c', 'A', 10_000)
    await s.append('a{b}c', 0, change(1, 'a'))
    const keys = (await s.client.call('KEYS', `${s.prefix}*`)) as string[]
    for (const name of ['lease', 'fence', 'log', 'head']) {
      expect(keys).toContain(`${s.prefix}{a%7Bb%7Dc}:${name}`)
    }
  })
})
