import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { memoryStore } from '../../server/store/memoryStore'
import { redisStore } from '../../server/store/redisStore'
import { sqliteStore } from '../../server/store/sqliteStore'
import type { RelayStore, StoredChange } from '../../server/store/types'
import { type RedisCluster, startRedisCluster } from '../redis/redisCluster'
import { type RedisServer, startRedisServer } from '../redis/redisServer'
import { describeVersionContract } from './versionContract'

const dir = mkdtempSync(join(tmpdir(), 'patchwire-stores-'))
let redis: RedisServer
let cluster: RedisCluster
beforeAll(async () => {
  ;[redis, cluster] = await Promise.all([startRedisServer(), startRedisCluster({ masters: 3 })])
})
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true })
  await Promise.all([redis?.close(), cluster?.close()])
})

let n = 0
const opened: RelayStore[] = []
// Every Redis store gets a prefix of its own, so each test sees only its own rooms.
const factories: [string, () => RelayStore][] = [
  ['memory', () => memoryStore()],
  ['sqlite', () => sqliteStore({ file: join(dir, `s${++n}.db`) })],
  ['redis', () => redisStore(redis.url, { prefix: `s${++n}:` })],
  ['redis cluster', () => redisStore(cluster.url, { prefix: `s${++n}:` })],
]
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()))
})

const change = (seq: number, id = `c:${seq}`): StoredChange => ({
  seq,
  id,
  origin: id.split(':')[0]!,
  ts: `ts${seq}`,
  ops: [{ op: 'add', path: [`k${seq}`], value: seq }],
})

for (const [name, make] of factories) {
  describeVersionContract(name, () => {
    const s = make()
    opened.push(s)
    return s
  })
}

describe.each(factories)('%s store', (_name, make) => {
  const open = () => {
    const s = make()
    opened.push(s)
    return s
  }

  it('appends when the expected sequence is the head and reports the head otherwise', async () => {
    const s = open()
    expect(await s.append('r', 0, change(1))).toEqual({ ok: true })
    expect(await s.append('r', 0, change(1, 'other:1'))).toEqual({ ok: false, head: 1 })
    expect(await s.head('r')).toBe(1)
  })

  it('two concurrent writers expecting the same head: exactly one wins', async () => {
    const s = open()
    const results = await Promise.all([
      s.append('r', 0, change(1, 'a:1')),
      s.append('r', 0, change(1, 'b:1')),
    ])
    expect(results.filter((r) => r.ok)).toHaveLength(1)
    expect(await s.since('r', 0)).toHaveLength(1)
  })

  it('since returns the changes after a sequence in order, bounded by limit', async () => {
    const s = open()
    for (let i = 1; i <= 5; i++) await s.append('r', i - 1, change(i))
    expect((await s.since('r', 2))?.map((c) => c.seq)).toEqual([3, 4, 5])
    expect((await s.since('r', 0, 2))?.map((c) => c.seq)).toEqual([1, 2])
    expect(await s.since('r', 5)).toEqual([])
    expect((await s.since('r', 3))?.[0]).toEqual(change(4))
  })

  it('keeps rooms apart', async () => {
    const s = open()
    await s.append('a', 0, change(1))
    expect(await s.head('b')).toBe(0)
    expect(await s.since('b', 0)).toEqual([])
  })

  it('after compaction since from before the retained log is null and from within it still works', async () => {
    const s = open()
    for (let i = 1; i <= 6; i++) await s.append('r', i - 1, change(i))
    await s.writeSnapshot('r', { seq: 6, state: { k: 1 }, clocks: { m: 'ts6' } })
    await s.compact('r', 4)
    expect(await s.since('r', 3)).toBeNull()
    expect((await s.since('r', 4))?.map((c) => c.seq)).toEqual([5, 6])
    expect(await s.readSnapshot('r')).toEqual({ seq: 6, state: { k: 1 }, clocks: { m: 'ts6' } })
  })

  it('an older snapshot never replaces a newer one', async () => {
    const s = open()
    await s.writeSnapshot('r', { seq: 5, state: { v: 5 }, clocks: { m: '' } })
    await s.writeSnapshot('r', { seq: 3, state: { v: 3 }, clocks: { m: '' } })
    expect((await s.readSnapshot('r'))?.seq).toBe(5)
  })

  it('applied finds an id in the log and misses an id never appended', async () => {
    const s = open()
    await s.append('r', 0, change(1, 'a:1'))
    expect(await s.applied('r', 'a:1')).toEqual({ seq: 1 })
    expect(await s.applied('r', 'a:2')).toBeUndefined()
  })

  it('applied tells the digest a change was stored with', async () => {
    const s = open()
    await s.append('r', 0, { ...change(1, 'a:1'), digest: 'd1' })
    expect(await s.applied('r', 'a:1')).toEqual({ seq: 1, digest: 'd1' })
    expect((await s.since('r', 0))?.[0]?.digest).toBe('d1')
  })

  it('applied reports an id compacted away as compacted, never as applied at some sequence', async () => {
    const s = open()
    await s.append('r', 0, change(1, 'a:1'))
    await s.append('r', 1, change(2, 'b:1'))
    await s.append('r', 2, change(3, 'a:2'))
    await s.append('r', 3, change(4, 'a:5'))
    await s.compact('r', 3)
    expect(await s.applied('r', 'a:1')).toEqual({ compacted: true })
    expect(await s.applied('r', 'a:5')).toEqual({ seq: 4 })
    // a:4 was never applied: newer than a:2, the last compacted change of a.
    expect(await s.applied('r', 'a:4')).toBeUndefined()
  })

  it('clientCounter keeps the greatest counter of a client through compaction', async () => {
    const s = open()
    await s.append('r', 0, change(1, 'a:1'))
    await s.append('r', 1, change(2, 'a:3'))
    await s.compact('r', 2)
    expect(await s.clientCounter('r', 'a')).toBe(3)
    expect(await s.clientCounter('r', 'b')).toBe(0)
  })

  it('claimClient binds a client id to its first principal and tells later claimants who holds it', async () => {
    const s = open()
    expect(await s.claimClient('r', 'kiosk1', 'ann')).toBe('ann')
    expect(await s.claimClient('r', 'kiosk1', 'bob')).toBe('ann')
    expect(await s.claimClient('other', 'kiosk1', 'bob')).toBe('bob')
  })

  it('clientOwner tells who holds a client id without claiming it', async () => {
    const s = open()
    expect(await s.clientOwner('r', 'kiosk1')).toBeUndefined()
    expect(await s.claimClient('r', 'kiosk1', 'bob')).toBe('bob')
    expect(await s.clientOwner('r', 'kiosk1')).toBe('bob')
  })

  it('lists rooms and answers ping until closed', async () => {
    const s = make()
    await s.append('x', 0, change(1))
    expect(await s.rooms()).toEqual(['x'])
    expect(await s.ping()).toBe(true)
    await s.close()
    expect(await s.ping()).toBe(false)
    await expect(s.head('x')).rejects.toThrow(/closed/)
  })
})

describe('sqlite store on disk', () => {
  it('keeps the log, heads and snapshots across reopening the file', async () => {
    const file = join(dir, 'reopen.db')
    const first = sqliteStore({ file })
    await first.append('r', 0, change(1, 'a:1'))
    await first.writeSnapshot('r', { seq: 1, state: { k1: 1 }, clocks: { m: 'ts1' } })
    await first.close()
    const second = sqliteStore({ file })
    opened.push(second)
    expect(await second.head('r')).toBe(1)
    expect(await second.since('r', 0)).toEqual([change(1, 'a:1')])
    expect(await second.applied('r', 'a:1')).toEqual({ seq: 1 })
    expect((await second.readSnapshot('r'))?.state).toEqual({ k1: 1 })
  })

  it('keeps client id owners across reopening the file', async () => {
    const file = join(dir, 'owners.db')
    const first = sqliteStore({ file })
    await first.claimClient('r', 'kiosk1', 'ann')
    await first.close()
    const second = sqliteStore({ file })
    opened.push(second)
    expect(await second.claimClient('r', 'kiosk1', 'bob')).toBe('ann')
  })

  it('two handles on one file serialise their conditional appends', async () => {
    const file = join(dir, 'two.db')
    const a = sqliteStore({ file })
    const b = sqliteStore({ file })
    opened.push(a, b)
    expect(await a.append('r', 0, change(1, 'a:1'))).toEqual({ ok: true })
    expect(await b.append('r', 0, change(1, 'b:1'))).toEqual({ ok: false, head: 1 })
    expect(await b.append('r', 1, change(2, 'b:1'))).toEqual({ ok: true })
    expect((await a.since('r', 0))?.map((c) => c.id)).toEqual(['a:1', 'b:1'])
  })

  it('refuses to be built without a file, naming the option', () => {
    expect(() => sqliteStore({ file: '' })).toThrow(/file/)
  })
})
