import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Redis } from 'ioredis'
import { Server } from 'socket.io'
import { io as connect, type Socket } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import { type RedisFanout, redisAdapter } from '../../server/redisAdapter'
import type { RedisConnection } from '../../server/store/redisConnection'
import { isRedisUnavailable } from '../../server/store/redisConnection'
import { redisStore } from '../../server/store/redisStore'
import { sharedRedisServer } from './sharedRedisServer'

const shared = sharedRedisServer()
const { cleanups } = shared

/** A Socket.IO node whose sockets join the room named in their handshake query. */
async function node(
  connection: RedisConnection = shared.server.url,
): Promise<{ io: Server; url: string; fanout: RedisFanout; broadcasts: () => number }> {
  const fanout = redisAdapter(connection)
  const http = createServer()
  const io = new Server(http, { adapter: fanout.adapter })
  let broadcasts = 0
  io.on('connection', (socket) => {
    void socket.join(String(socket.handshake.query.room))
    socket.on('say', (text: string) => {
      io.to(String(socket.handshake.query.room)).emit('said', text)
      broadcasts++
    })
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  cleanups.push(async () => {
    await io.close()
    await fanout.close()
  })
  return { io, url, fanout, broadcasts: () => broadcasts }
}

async function client(url: string, room: string): Promise<Socket> {
  const socket = connect(url, { query: { room }, transports: ['websocket'] })
  cleanups.push(() => {
    socket.disconnect()
  })
  await new Promise<void>((resolve) => socket.once('connect', resolve))
  return socket
}

function nextSaid(socket: Socket): Promise<string> {
  return new Promise((resolve) => socket.once('said', resolve))
}

/** Broadcasts until the listener hears one: subscriptions settle asynchronously after (re)connects. */
async function sayUntilHeard(from: Socket, to: Socket, text: string): Promise<string> {
  const heard = nextSaid(to)
  let done = false
  void heard.then(() => {
    done = true
  })
  while (!done) {
    from.emit('say', text)
    await Promise.race([heard, new Promise((r) => setTimeout(r, 100))])
  }
  return heard
}

describe('redisAdapter', () => {
  it('delivers a broadcast made on one node to the room sockets of another node', async () => {
    const a = await node()
    const b = await node()
    const onA = await client(a.url, 'r')
    const onB = await client(b.url, 'r')
    const elsewhere = await client(b.url, 'other')
    let leaked = false
    elsewhere.on('said', () => {
      leaked = true
    })
    expect(await sayUntilHeard(onA, onB, 'hello')).toBe('hello')
    // The same broadcast, once more, to check the other room's socket heard nothing meanwhile.
    const again = nextSaid(onB)
    onA.emit('say', 'again')
    expect(await again).toBe('again')
    expect(leaked).toBe(false)
  })

  it('resumes fan-out by itself after Redis restarts', async () => {
    const a = await node()
    const b = await node()
    const onA = await client(a.url, 'r')
    const onB = await client(b.url, 'r')
    expect(await sayUntilHeard(onA, onB, 'before')).toBe('before')
    await shared.server.restart()
    expect(await sayUntilHeard(onA, onB, 'after')).toBe('after')
  })

  it('holds a broadcast made while Redis is silent, whatever the store client times out at, and delivers it when Redis answers', async () => {
    const store = redisStore(shared.server.url, { commandTimeoutMs: 100 })
    cleanups.push(() => store.close())
    const a = await node(store.client)
    const b = await node(store.client)
    const onA = await client(a.url, 'r')
    const onB = await client(b.url, 'r')
    expect(await sayUntilHeard(onA, onB, 'before')).toBe('before')
    const admin = new Redis(shared.server.url)
    const pid = Number(/^process_id:(\d+)/m.exec(await admin.info('server'))?.[1])
    admin.disconnect()
    const heard = nextSaid(onB)
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    cleanups.push(() => {
      process.off('unhandledRejection', onUnhandled)
    })
    process.kill(pid, 'SIGSTOP')
    try {
      const sent = a.broadcasts()
      onA.emit('say', 'during')
      while (a.broadcasts() === sent) await new Promise((r) => setTimeout(r, 10))
      // The store's command, sent after the publish, times out; a publish timing out too would have by then.
      expect(isRedisUnavailable(await store.head('r').catch((e: unknown) => e))).toBe(true)
    } finally {
      process.kill(pid, 'SIGCONT')
    }
    expect(await heard).toBe('during')
    expect(unhandled).toEqual([])
  })
})
