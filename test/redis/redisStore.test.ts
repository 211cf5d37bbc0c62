import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { isRedisUnavailable } from '../../server/store/redisConnection'
import { type RedisRelayStore, redisStore } from '../../server/store/redisStore'
import type { StoredChange } from '../../server/store/types'
import { isPatchwireError } from '../../src/errors'
import { type RedisCluster, startRedisCluster } from './redisCluster'
import { type RedisServer, startRedisServer } from './redisServer'

let redis: RedisServer
let cluster: RedisCluster
const open: RedisRelayStore[] = []

beforeAll(async () => {
  ;[redis, cluster] = await Promise.all([
    startRedisServer({ appendonly: true }),
    startRedisCluster({ masters: 3 }),
  ])
})
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()))
})
afterAll(async () => {
  await Promise.all([redis?.close(), cluster?.close()])
})

type Target = () => string
const single: Target = () => redis.url
const threeMasters: Target = () => cluster.url

/** A store with its own key prefix, so tests never see each other's rooms. */
function storeOn(
  target: Target,
  prefix = `t${randomUUID()}:`,
  extra: Parameters<typeof redisStore>[1] = {},
) {
  const s = redisStore(target(), { prefix, ...extra })
  open.push(s)
  return s
}

function store(prefix?: string, extra: Parameters<typeof redisStore>[1] = {}) {
  return storeOn(single, prefix, extra)
}

function change(seq: number, id: string, value: unknown = seq): StoredChange {
  return {
    seq,
    id,
    origin: id.slice(0, id.lastIndexOf(':')),
    ts: `0000000000${seq}:0000:n`,
    ops: [{ op: 'replace', path: ['v'], value }],
  }
}

async function fill(s: RedisRelayStore, room: string, n: number, client = 'c') {
  for (let i = 1; i <= n; i++)
    expect(await s.append(room, i - 1, change(i, `${client}:${i}`))).toEqual({ ok: true })
}

it("keeps a room's versions under its hash tag", async () => {
  const prefix = `t${randomUUID()}:`
  const s = store(prefix)
  await s.addVersion('r', { id: '1-v', seq: 1, takenAt: 1, reason: 'manual', state: {} }, 2)
  const keys = (await s.client.call('KEYS', `${prefix}*`)) as string[]
  expect(keys.sort()).toEqual([
    `${prefix}{r}:versions`,
    `${prefix}{r}:versions:meta`,
    `${prefix}{r}:versions:state`,
  ])
})

describe.each([
  ['one Redis server', single],
  ['a Redis Cluster of three masters', threeMasters],
])('redisStore on %s', (_name, target) => {
  const store = (prefix?: string) => storeOn(target, prefix)

  it('reports head 0 and an empty log for a room never written', async () => {
    const s = store()
    expect(await s.head('r')).toBe(0)
    expect(await s.since('r', 0)).toEqual([])
    expect(await s.readSnapshot('r')).toBeUndefined()
  })

  it('appends when the head matches and returns the change from since with every field', async () => {
    const s = store()
    const c = change(1, 'alice:1', { nested: [1, 'two', null] })
    expect(await s.append('r', 0, c)).toEqual({ ok: true })
    expect(await s.head('r')).toBe(1)
    expect(await s.since('r', 0)).toEqual([c])
  })

  it('refuses an append whose expected sequence is behind and reports the current head', async () => {
    const s = store()
    await fill(s, 'r', 3)
    expect(await s.append('r', 1, change(2, 'late:1'))).toEqual({ ok: false, head: 3 })
    expect((await s.since('r', 0))?.map((c) => c.id)).toEqual(['c:1', 'c:2', 'c:3'])
  })

  it('throws at the call when change.seq is not expectedSeq + 1', () => {
    const s = store()
    expect(() => s.append('r', 0, change(5, 'c:1'))).toThrow(/consecutive sequences from 1/)
  })

  it('gives one gap-free order when two connections append to one room at once', async () => {
    const prefix = `t${randomUUID()}:`
    const nodes = [store(prefix), store(prefix), store(prefix)]
    // Each node appends its changes with the relay's loop: read the head, try, retry on conflict.
    const push = async (node: RedisRelayStore, name: string, count: number) => {
      for (let i = 1; i <= count; i++) {
        let head = await node.head('r')
        for (;;) {
          const res = await node.append('r', head, change(head + 1, `${name}:${i}`))
          if (res.ok) break
          head = res.head
        }
      }
    }
    await Promise.all(nodes.map((n, i) => push(n, `node${i}`, 40)))
    const log = (await nodes[0]!.since('r', 0)) ?? []
    expect(log.map((c) => c.seq)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1))
    expect(new Set(log.map((c) => c.id)).size).toBe(120)
    for (const name of ['node0', 'node1', 'node2']) {
      const mine = log.filter((c) => c.origin === name).map((c) => c.id)
      expect(mine).toEqual(Array.from({ length: 40 }, (_, i) => `${name}:${i + 1}`))
    }
  })

  it('refuses to append an id already in the log, reporting the head, so it is never applied twice', async () => {
    const s = store()
    await fill(s, 'r', 2)
    expect(await s.append('r', 2, change(3, 'c:2'))).toEqual({ ok: false, head: 2 })
    expect(await s.head('r')).toBe(2)
  })

  it('appends a group of consecutive changes in one call', async () => {
    const s = store()
    await fill(s, 'r', 1)
    expect(await s.appendMany('r', 1, [change(2, 'a:1'), change(3, 'b:1')])).toEqual({ ok: true })
    expect((await s.since('r', 0))?.map((c) => c.id)).toEqual(['c:1', 'a:1', 'b:1'])
    expect(await s.applied('r', 'b:1')).toEqual({ seq: 3 })
  })

  it('writes nothing of a group when the head moved or one of its ids is already applied', async () => {
    const s = store()
    await fill(s, 'r', 2)
    expect(await s.appendMany('r', 1, [change(2, 'a:1'), change(3, 'a:2')])).toEqual({
      ok: false,
      head: 2,
    })
    expect(await s.appendMany('r', 2, [change(3, 'a:1'), change(4, 'c:2')])).toEqual({
      ok: false,
      head: 2,
    })
    expect(await s.head('r')).toBe(2)
    expect(await s.applied('r', 'a:1')).toBeUndefined()
  })

  it('returns at most limit changes after the given sequence', async () => {
    const s = store()
    await fill(s, 'r', 5)
    expect((await s.since('r', 1, 2))?.map((c) => c.seq)).toEqual([2, 3])
    expect(await s.since('r', 5)).toEqual([])
  })

  it('drops compacted entries and answers null for a since below the compaction point', async () => {
    const s = store()
    await fill(s, 'r', 6)
    await s.compact('r', 4)
    expect(await s.since('r', 3)).toBeNull()
    expect((await s.since('r', 4))?.map((c) => c.seq)).toEqual([5, 6])
    expect(await s.append('r', 6, change(7, 'c:7'))).toEqual({ ok: true })
  })

  it('never compacts past the head', async () => {
    const s = store()
    await fill(s, 'r', 2)
    await s.compact('r', 10)
    expect(await s.since('r', 2)).toEqual([])
    expect(await s.append('r', 2, change(3, 'c:3'))).toEqual({ ok: true })
    expect((await s.since('r', 2))?.map((c) => c.seq)).toEqual([3])
  })

  it('keeps a snapshot only when it is newer than the stored one', async () => {
    const s = store()
    const clocks = { m: 'ts5', c: { v: { t: 'ts5', m: 'ts5' } } }
    await s.writeSnapshot('r', { seq: 5, state: { v: 5 }, clocks })
    await s.writeSnapshot('r', { seq: 3, state: { v: 3 }, clocks: { m: 'ts3' } })
    expect(await s.readSnapshot('r')).toEqual({ seq: 5, state: { v: 5 }, clocks })
    await s.writeSnapshot('r', { seq: 8, state: { v: 8 }, clocks: { m: 'ts8' } })
    expect((await s.readSnapshot('r'))?.seq).toBe(8)
  })

  it('tells the sequence an id was applied at, and nothing for an id never applied', async () => {
    const s = store()
    await fill(s, 'r', 3, 'alice')
    expect(await s.applied('r', 'alice:2')).toEqual({ seq: 2 })
    expect(await s.applied('r', 'alice:4')).toBeUndefined()
    expect(await s.applied('r', 'bob:1')).toBeUndefined()
    expect(await s.applied('r', 'no-counter')).toBeUndefined()
  })

  it('reports a compacted id as compacted, never as applied at some sequence', async () => {
    const s = store()
    await fill(s, 'r', 4, 'alice')
    await s.compact('r', 3)
    expect(await s.applied('r', 'alice:1')).toEqual({ compacted: true })
    expect(await s.applied('r', 'alice:4')).toEqual({ seq: 4 })
    expect(await s.applied('r', 'alice:5')).toBeUndefined()
  })

  it('keeps the digest of a change with its id and its log entry', async () => {
    const s = store()
    expect(await s.append('r', 0, { ...change(1, 'a:1'), digest: 'd1' })).toEqual({ ok: true })
    expect(await s.applied('r', 'a:1')).toEqual({ seq: 1, digest: 'd1' })
    expect((await s.since('r', 0))?.[0]?.digest).toBe('d1')
    expect(await s.append('r', 1, { ...change(2, 'a:1'), digest: 'd2' })).toEqual({
      ok: false,
      head: 1,
    })
  })

  it('keeps the greatest counter of a client through compaction', async () => {
    const s = store()
    await fill(s, 'r', 3, 'alice')
    await s.compact('r', 3)
    expect(await s.clientCounter('r', 'alice')).toBe(3)
    expect(await s.clientCounter('r', 'bob')).toBe(0)
  })

  it('binds a client id to its first principal', async () => {
    const s = store()
    expect(await s.claimClient('r', 'kiosk1', 'ann')).toBe('ann')
    expect(await s.claimClient('r', 'kiosk1', 'bob')).toBe('ann')
  })

  it('tells who holds a client id without claiming it', async () => {
    const s = store()
    expect(await s.clientOwner('r', 'kiosk1')).toBeUndefined()
    await s.claimClient('r', 'kiosk1', 'bob')
    expect(await s.clientOwner('r', 'kiosk1')).toBe('bob')
  })

  it('does not take a skipped counter newer than the last compacted change of its client for applied', async () => {
    const s = store()
    await s.append('r', 0, change(1, 'a:1'))
    await s.append('r', 1, change(2, 'b:1'))
    await s.append('r', 2, change(3, 'a:2'))
    await s.append('r', 3, change(4, 'a:5'))
    await s.compact('r', 3)
    expect(await s.applied('r', 'a:5')).toEqual({ seq: 4 })
    expect(await s.applied('r', 'a:4')).toBeUndefined()
    expect(await s.applied('r', 'b:1')).toEqual({ compacted: true })
  })

  it('lists the rooms it holds, whatever characters their names contain', async () => {
    const s = store()
    const names = ['plain', 'with:colon', 'with{brace}', 'ünï cödé']
    for (const n of names) await s.append(n, 0, change(1, 'c:1'))
    await s.writeSnapshot('snap-only', { seq: 1, state: {}, clocks: { m: '' } })
    expect((await s.rooms()).sort()).toEqual([...names, 'snap-only'].sort())
  })

  it('keeps rooms of different prefixes apart', async () => {
    const a = store()
    const b = store()
    await a.append('r', 0, change(1, 'c:1'))
    expect(await b.head('r')).toBe(0)
  })

  it('answers ping while connected and rejects every call once closed', async () => {
    const s = store()
    expect(await s.ping()).toBe(true)
    await s.close()
    expect(await s.ping()).toBe(false)
    await expect(s.head('r')).rejects.toSatisfy((e) => isPatchwireError(e, 'transport'))
  })
})

describe('redisStore on a Redis Cluster', () => {
  it('lists the rooms of every master, not only those of the node it happens to ask', async () => {
    const s = storeOn(threeMasters)
    const prefix = `t${randomUUID()}:`
    const named = storeOn(threeMasters, prefix)
    // Rooms until every master holds at least one, so a scan of one node cannot see them all.
    const names: string[] = []
    const masters = new Set<number>()
    for (let i = 0; masters.size < 3 && i < 200; i++) {
      names.push(`room${i}`)
      masters.add(await cluster.masterOf(`${prefix}{room${i}}:head`))
    }
    expect(masters.size).toBe(3)
    for (const n of names) await named.append(n, 0, change(1, 'c:1'))
    expect((await named.rooms()).sort()).toEqual([...names].sort())
    expect(await s.rooms()).toEqual([])
  })
})

describe('redisStore while Redis goes away', () => {
  it('fails with a retryable unavailable error while Redis is down and recovers by itself with the data', async () => {
    const states: string[] = []
    const s = store(undefined, {
      readyTimeoutMs: 200,
      onConnectionChange: (state) => states.push(state),
    })
    await fill(s, 'r', 3)
    await redis.stop()
    const down = await s.append('r', 3, change(4, 'c:4')).catch((e: unknown) => e)
    expect(isRedisUnavailable(down)).toBe(true)
    expect(await s.ping()).toBe(false)
    await redis.restart()
    // ioredis reconnects on its own; the first call waits for it within readyTimeoutMs or fails retryably.
    let head: number | undefined
    for (let attempt = 0; head === undefined && attempt < 100; attempt++) {
      head = await s.head('r').catch((e: unknown) => {
        if (!isRedisUnavailable(e)) throw e
        return undefined
      })
    }
    expect(head).toBe(3)
    expect(await s.append('r', 3, change(4, 'c:4'))).toEqual({ ok: true })
    expect(states).toEqual(['up', 'down', 'up'])
  })

  it('fails with a retryable unavailable error when Redis is connected but stops answering', async () => {
    const s = store(undefined, { commandTimeoutMs: 300 })
    await fill(s, 'r', 1)
    const admin = new Redis(redis.url)
    const pid = Number(/^process_id:(\d+)/m.exec(await admin.info('server'))?.[1])
    admin.disconnect()
    // Frozen, not gone: the connection stays up, so only a timeout can tell.
    process.kill(pid, 'SIGSTOP')
    let frozen: unknown
    try {
      frozen = await s.append('r', 1, change(2, 'c:2')).catch((e: unknown) => e)
    } finally {
      process.kill(pid, 'SIGCONT')
    }
    expect(isRedisUnavailable(frozen)).toBe(true)
    // The append that timed out ran once Redis woke; a retry finds its id instead of appending it again.
    expect(await s.append('r', 1, change(2, 'c:2'))).toEqual({ ok: false, head: 2 })
    expect(await s.applied('r', 'c:2')).toEqual({ seq: 2 })
  })

  it('refuses a commandTimeoutMs that is not a positive number, naming the option', () => {
    expect(() => redisStore(redis.url, { commandTimeoutMs: 0 })).toThrow(
      /commandTimeoutMs must be a positive number of milliseconds, received 0/,
    )
  })

  it('lets many operations wait through an outage on one shared listener', async () => {
    const s = store(undefined, { readyTimeoutMs: 300 })
    await s.ping()
    const listeners = s.client.listenerCount('ready')
    await redis.stop()
    const waiting = Array.from({ length: 50 }, (_, i) => s.head(`r${i}`).catch((e: unknown) => e))
    expect(s.client.listenerCount('ready')).toBe(listeners)
    const outcomes = await Promise.all(waiting)
    expect(outcomes.every(isRedisUnavailable)).toBe(true)
    await redis.restart()
  })
})
