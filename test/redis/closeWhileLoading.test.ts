import { createServer, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { redisStore } from '../../server/store/redisStore'

// A Redis that restarts with a large append-only file answers the ready check
// with `loading:1`; ioredis then checks again after the announced time, on a
// timer that closing the client does not cancel. A store closed meanwhile,
// while its connection was lost and being retried, took its error listener
// away, so that late check's failure was printed as an unhandled ioredis error.

/** A stand-in Redis that answers INFO as a server still loading its data. */
async function loadingRedis(): Promise<{ port: number; drop(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('data', (data) => {
      if (!/info/i.test(data.toString())) return
      const info = '# Persistence\r\nloading:1\r\nloading_eta_seconds:1\r\n'
      socket.write(`$${Buffer.byteLength(info)}\r\n${info}\r\n`)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    port,
    // Stops accepting and drops the connections: the client retries in the background.
    drop() {
      server.close()
      for (const socket of sockets) socket.destroy()
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('a Redis store closed while Redis is still loading its data', () => {
  it('leaves no unhandled ioredis error behind', async () => {
    const redis = await loadingRedis()
    const printed: string[] = []
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      printed.push(args.map(String).join(' '))
    })
    const store = redisStore(`redis://127.0.0.1:${redis.port}`, { readyTimeoutMs: 100 })
    // The ready check has seen `loading:1` and waits for its timer.
    await new Promise((resolve) => setTimeout(resolve, 200))
    redis.drop()
    await new Promise((resolve) => setTimeout(resolve, 20))
    await store.close()
    // The loading check's timer fires about a second after it was armed.
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    expect(printed.filter((line) => line.includes('[ioredis]'))).toEqual([])
  })
})
