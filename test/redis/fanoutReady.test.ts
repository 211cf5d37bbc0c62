import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createRelay } from '../../server/createRelay'
import { redisAdapter } from '../../server/redisAdapter'
import type { Relay } from '../../server/relay/types'
import { redisStore } from '../../server/store/redisStore'
import { type DelayProxy, startDelayProxy } from '../netfault/delayProxy'
import { ask, type ClientSocket, collectChanges, connectRaw, ts, until } from '../server/helpers'
import { type RedisServer, startRedisServer } from './redisServer'

let redis: RedisServer
const cleanups: (() => Promise<unknown> | unknown)[] = []
const sockets: ClientSocket[] = []

beforeAll(async () => {
  redis = await startRedisServer()
})
afterEach(async () => {
  for (const s of sockets.splice(0)) s.disconnect()
  for (const c of cleanups.splice(0).reverse()) await c()
})
afterAll(async () => {
  await redis?.close()
})

/** A node on the `redis` option, reaching Redis directly. */
async function directNode(prefix: string): Promise<string> {
  const relay = createRelay({ redis: { connection: redis.url, prefix, fanout: { key: prefix } } })
  const port = await relay.listen(0, '127.0.0.1')
  cleanups.push(() => relay.close())
  return `http://127.0.0.1:${port}`
}

/**
 * A node whose store reaches Redis directly but whose fan-out goes through
 * `proxy`, so only its subscription is slowed or held.
 */
function proxiedFanoutNode(prefix: string, proxy: DelayProxy, fanoutReadyTimeoutMs?: number) {
  const fanout = redisAdapter(proxy.url, { key: prefix })
  const relay: Relay = createRelay({
    store: redisStore(redis.url, { prefix }),
    adapter: fanout.adapter,
    ...(fanoutReadyTimeoutMs ? { fanoutReadyTimeoutMs } : {}),
  })
  cleanups.push(async () => {
    // Closed without the delay: the adapter's unsubscribes on close are not
    // awaited, and a reply the proxy still held when the connection ended would
    // fail one of them as an unhandled rejection.
    proxy.delay(0)
    await proxy.drained()
    await relay.close()
    await fanout.close()
  })
  return { relay, fanout }
}

async function proxyToRedis(): Promise<DelayProxy> {
  const proxy = await startDelayProxy({ host: '127.0.0.1', port: redis.port })
  cleanups.push(() => {
    // A held connection is only closed once it flows again.
    proxy.heal()
    return proxy.close()
  })
  return proxy
}

const join = (socket: ClientSocket, room: string, clientId: string) =>
  ask(socket, 'join', { room, since: 0, schemaVersion: 1, clientId })

async function healthOf(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${url}/healthz`)
  return { status: res.status, body: await res.json() }
}

describe('a relay node on Redis serves joins only once its fan-out subscription is live', () => {
  it('delivers the first change another node appends to a client that joined as soon as listen resolved', async () => {
    const prefix = `ready-${randomUUID()}:`
    const room = 'r'
    const writerUrl = await directNode(prefix)
    const proxy = await proxyToRedis()
    // Every round trip of the fan-out's connections takes a second more than
    // the store's: its subscription lags far behind a join that reads the store.
    proxy.delay(500)
    const { relay } = proxiedFanoutNode(prefix, proxy)
    const port = await relay.listen(0, '127.0.0.1')

    const reader = await connectRaw(`http://127.0.0.1:${port}`, sockets)
    const seen = collectChanges(reader)
    expect(await join(reader, room, 'reader')).toMatchObject({ ok: true, seq: 0 })

    const writer = await connectRaw(writerUrl, sockets)
    expect(await join(writer, room, 'writer')).toMatchObject({ ok: true })
    const pushed = await ask(writer, 'push', {
      room,
      changes: [{ id: 'writer:1', ts: ts(1000), ops: [{ op: 'add', path: ['a'], value: 1 }] }],
    })
    expect(pushed).toMatchObject({ ok: true, results: [{ id: 'writer:1', seq: 1 }] })

    await until(() => seen.length > 0)
    expect(seen[0]).toMatchObject({ room, seq: 1, id: 'writer:1' })
  }, 60_000)

  it('refuses joins as unavailable and answers /healthz 503 while the subscription is held past the bound', async () => {
    const prefix = `held-${randomUUID()}:`
    const proxy = await proxyToRedis()
    proxy.partition('stall')
    const { relay } = proxiedFanoutNode(prefix, proxy, 50)
    const port = await relay.listen(0, '127.0.0.1')
    const url = `http://127.0.0.1:${port}`

    expect(await healthOf(url)).toMatchObject({
      status: 503,
      body: { ok: false, store: 'ok', fanout: 'subscribing' },
    })
    const socket = await connectRaw(url, sockets)
    expect(await join(socket, 'r', 'early')).toMatchObject({ ok: false, reason: 'unavailable' })
  }, 60_000)

  it('serves joins and reports healthy once the held subscription becomes live', async () => {
    const prefix = `healed-${randomUUID()}:`
    const proxy = await proxyToRedis()
    proxy.partition('stall')
    const { relay, fanout } = proxiedFanoutNode(prefix, proxy, 50)
    const port = await relay.listen(0, '127.0.0.1')
    const url = `http://127.0.0.1:${port}`

    proxy.heal()
    await fanout.ready
    expect(await healthOf(url)).toMatchObject({
      status: 200,
      body: { ok: true, fanout: 'live' },
    })
    const socket = await connectRaw(url, sockets)
    expect(await join(socket, 'r', 'late')).toMatchObject({ ok: true, seq: 0 })
  }, 60_000)
})
