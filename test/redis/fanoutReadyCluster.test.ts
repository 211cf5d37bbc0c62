import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createRelay } from '../../server/createRelay'
import { ask, type ClientSocket, collectChanges, connectRaw, ts, until } from '../server/helpers'
import { type RedisCluster, startRedisCluster } from './redisCluster'

let cluster: RedisCluster
const cleanups: (() => Promise<unknown>)[] = []
const sockets: ClientSocket[] = []

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3 })
})
afterEach(async () => {
  for (const s of sockets.splice(0)) s.disconnect()
  for (const c of cleanups.splice(0).reverse()) await c()
})
afterAll(async () => {
  await cluster?.close()
})

async function clusterNode(prefix: string): Promise<string> {
  const relay = createRelay({ redis: { connection: cluster.url, prefix, fanout: { key: prefix } } })
  const port = await relay.listen(0, '127.0.0.1')
  cleanups.push(() => relay.close())
  return `http://127.0.0.1:${port}`
}

const join = (socket: ClientSocket, room: string, clientId: string) =>
  ask(socket, 'join', { room, since: 0, schemaVersion: 1, clientId })

describe('a relay node on a Redis Cluster waits for its fan-out subscription', () => {
  it('reports its fan-out live on /healthz as soon as listen resolved', async () => {
    const url = await clusterNode(`health-${randomUUID()}:`)
    const res = await fetch(`${url}/healthz`)
    expect({ status: res.status, body: await res.json() }).toMatchObject({
      status: 200,
      body: { ok: true, fanout: 'live' },
    })
  }, 60_000)

  it('delivers the first change another node appends to a client that joined as soon as listen resolved', async () => {
    const prefix = `first-${randomUUID()}:`
    const writerUrl = await clusterNode(prefix)
    const readerUrl = await clusterNode(prefix)

    const reader = await connectRaw(readerUrl, sockets)
    const seen = collectChanges(reader)
    expect(await join(reader, 'r', 'reader')).toMatchObject({ ok: true, seq: 0 })
    const writer = await connectRaw(writerUrl, sockets)
    expect(await join(writer, 'r', 'writer')).toMatchObject({ ok: true })
    const pushed = await ask(writer, 'push', {
      room: 'r',
      changes: [{ id: 'writer:1', ts: ts(1000), ops: [{ op: 'add', path: ['a'], value: 1 }] }],
    })
    expect(pushed).toMatchObject({ ok: true, results: [{ id: 'writer:1', seq: 1 }] })

    await until(() => seen.length > 0)
    expect(seen[0]).toMatchObject({ room: 'r', seq: 1, id: 'writer:1' })
  }, 60_000)
})
