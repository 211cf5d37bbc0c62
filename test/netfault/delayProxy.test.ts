import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type DelayProxy, startDelayProxy } from './delayProxy'

let echo: Server
let echoPort = 0
const proxies: DelayProxy[] = []
const sockets: Socket[] = []

beforeAll(async () => {
  echo = createServer((s) => s.pipe(s))
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve))
  echoPort = (echo.address() as { port: number }).port
})
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  await Promise.all(proxies.splice(0).map((p) => p.close()))
})
afterAll(async () => {
  await new Promise((resolve) => echo.close(resolve))
})

async function proxy(): Promise<DelayProxy> {
  const p = await startDelayProxy({ host: '127.0.0.1', port: echoPort })
  proxies.push(p)
  return p
}

/** A connection through the proxy that collects what comes back. */
async function client(p: DelayProxy): Promise<{ socket: Socket; received: () => string }> {
  const socket = tcpConnect(p.port, '127.0.0.1')
  sockets.push(socket)
  let received = ''
  socket.on('data', (d: Buffer) => {
    received += d.toString()
  })
  socket.on('error', () => {})
  await new Promise((resolve) => socket.once('connect', resolve))
  return { socket, received: () => received }
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10))
}

describe('the delay proxy', () => {
  it('keeps the order of chunks when its delay shrinks between them', async () => {
    const p = await proxy()
    const c = await client(p)
    p.delay(200)
    c.socket.write('a')
    p.delay(0)
    c.socket.write('b')
    await until(() => c.received().length === 2)
    expect(c.received()).toBe('ab')
  })

  it('holds bytes while stalled, keeps the connection open, and delivers them on heal', async () => {
    const p = await proxy()
    const c = await client(p)
    p.partition('stall')
    c.socket.write('held')
    await new Promise((r) => setTimeout(r, 100))
    expect(c.received()).toBe('')
    expect(c.socket.destroyed).toBe(false)
    p.heal()
    await until(() => c.received() === 'held')
  })

  it('resets connections when dropping and refuses new ones until healed', async () => {
    const p = await proxy()
    const c = await client(p)
    const closed = new Promise((resolve) => c.socket.once('close', resolve))
    p.partition('drop')
    await closed
    const refused = tcpConnect(p.port, '127.0.0.1')
    sockets.push(refused)
    refused.on('error', () => {})
    await new Promise((resolve) => refused.once('close', resolve))
    p.heal()
    const again = await client(p)
    again.socket.write('back')
    await until(() => again.received() === 'back')
  })
})
