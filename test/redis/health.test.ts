import { Redis } from 'ioredis'
import { io as connectClient } from 'socket.io-client'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ask, type ClientSocket, ts } from '../server/helpers'
import { scrapeMetrics } from '../server/scrapeMetrics'
import { type RedisServer, startRedisServer } from './redisServer'
import { type RelayNode, startRelayNode } from './relayProcess'

let redis: RedisServer
const nodes: RelayNode[] = []
const sockets: ClientSocket[] = []

beforeAll(async () => {
  redis = await startRedisServer({ appendonly: true })
})
afterEach(async () => {
  for (const s of sockets.splice(0)) s.disconnect()
  await Promise.all(nodes.splice(0).map((n) => n.kill()))
})
afterAll(async () => {
  await redis?.close()
})

async function healthUntil(url: string, status: number): Promise<unknown> {
  for (;;) {
    const res = await fetch(`${url}/healthz`)
    if (res.status === status) return res.json()
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('a relay node on Redis reports its health', () => {
  it('answers /healthz 503 with store unreachable while Redis is stopped, and 200 once it is back', async () => {
    const node = await startRelayNode(['--redis', redis.url])
    nodes.push(node)
    expect(await healthUntil(node.url, 200)).toMatchObject({ ok: true, store: 'ok' })
    await redis.stop()
    try {
      expect(await healthUntil(node.url, 503)).toMatchObject({ ok: false, store: 'unreachable' })
    } finally {
      await redis.restart()
    }
    expect(await healthUntil(node.url, 200)).toMatchObject({ ok: true, store: 'ok' })
  }, 60_000)

  it('answers /healthz 503 instead of hanging while Redis accepts connections but never replies', async () => {
    const node = await startRelayNode(['--redis', redis.url])
    nodes.push(node)
    expect(await healthUntil(node.url, 200)).toMatchObject({ ok: true, store: 'ok' })
    const admin = new Redis(redis.url)
    const info = await admin.info('server')
    admin.disconnect()
    const pid = Number(/^process_id:(\d+)/m.exec(info)?.[1])
    // Frozen, not gone: its socket stays open, so every command simply waits.
    process.kill(pid, 'SIGSTOP')
    try {
      const res = await fetch(`${node.url}/healthz`)
      expect(res.status).toBe(503)
      expect(await res.json()).toMatchObject({ ok: false, store: 'unreachable' })
    } finally {
      process.kill(pid, 'SIGCONT')
    }
    expect(await healthUntil(node.url, 200)).toMatchObject({ ok: true, store: 'ok' })
  }, 60_000)

  it('counts the changes refused as unavailable while Redis is stopped', async () => {
    const node = await startRelayNode(['--redis', redis.url])
    nodes.push(node)
    const socket: ClientSocket = connectClient(node.url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    })
    sockets.push(socket)
    await new Promise((resolve) => socket.once('connect', () => resolve(undefined)))
    await ask(socket, 'join', { room: 'down', clientId: 'a', schemaVersion: 1 })
    await redis.stop()
    let ack: unknown
    try {
      await healthUntil(node.url, 503)
      ack = await ask(socket, 'push', {
        room: 'down',
        changes: [
          { id: 'a:1', ts: ts(Date.now(), 'a'), ops: [{ op: 'add', path: ['x'], value: 1 }] },
        ],
      })
      const scrape = await scrapeMetrics(node.url)
      expect(scrape.value('patchwire_relay_changes_refused_total', { reason: 'unavailable' })).toBe(
        1,
      )
      expect(scrape.value('patchwire_relay_changes_accepted_total')).toBe(0)
    } finally {
      await redis.restart()
    }
    expect(ack).toMatchObject({ ok: true, results: [{ id: 'a:1', reason: 'unavailable' }] })
  }, 60_000)
})
