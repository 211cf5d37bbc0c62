import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net'

/**
 * A TCP proxy between a relay node and Redis that can add latency and cut the
 * line, for fault tests on a kernel without the `netem` qdisc.
 *
 * - `delay(ms)`: every chunk, both ways, is forwarded `ms` after it arrived,
 *   in order (a later chunk never overtakes an earlier one when the delay
 *   shrinks).
 * - `partition('stall')`: bytes stop flowing both ways but every connection
 *   stays open, and new connections are accepted and left hanging — a link
 *   that went dark, as a pulled cable looks to TCP. What was sent meanwhile
 *   is held and delivered on `heal()`, as TCP retransmission would.
 * - `partition('drop')`: every connection is reset and new ones are refused
 *   until `heal()` — a host that is gone, or a firewall that rejects.
 */
export interface DelayProxy {
  /** The port it listens on (127.0.0.1). */
  readonly port: number
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string
  delay(ms: number): void
  partition(mode: 'stall' | 'drop'): void
  heal(): void
  /** Resolves once every chunk delayed so far has been forwarded. */
  drained(): Promise<void>
  /** Connections accepted so far. */
  accepted(): number
  close(): Promise<void>
}

interface Pipe {
  client: Socket
  upstream: Socket
}

/**
 * Listens on a free loopback port and forwards every connection to
 * `target` (host:port).
 *
 * @example
 * ```ts
 * const proxy = await startDelayProxy({ host: '127.0.0.1', port: redis.port })
 * proxy.delay(40)
 * const node = await startRelayNode(['--redis', proxy.url])
 * ```
 */
export async function startDelayProxy(target: { host: string; port: number }): Promise<DelayProxy> {
  let delayMs = 0
  let mode: 'open' | 'stall' | 'drop' = 'open'
  let accepted = 0
  let inFlight = 0
  const drainWaiters: (() => void)[] = []
  const pipes = new Set<Pipe>()
  // Chunks held while stalled, per direction, released in order on heal.
  const held: (() => void)[] = []

  /** Forwards `from` → `to` with the current delay, keeping order. */
  const forward = (from: Socket, to: Socket): (() => number) => {
    let lastRelease = 0
    from.on('data', (chunk: Buffer) => {
      const send = () => {
        const at = Math.max(Date.now() + delayMs, lastRelease)
        lastRelease = at
        inFlight++
        setTimeout(() => {
          if (!to.destroyed) to.write(chunk)
          inFlight--
          if (inFlight === 0) for (const resolve of drainWaiters.splice(0)) resolve()
        }, at - Date.now())
      }
      if (mode === 'stall') held.push(send)
      else send()
    })
    // How long until the bytes still delayed are out (and a little more, so
    // its timer fires after theirs): a close waits for them, as a FIN follows
    // the data before it on a real line.
    return () => Math.max(0, lastRelease - Date.now()) + 5
  }

  const open = (client: Socket) => {
    const upstream = tcpConnect(target.port, target.host)
    const pipe = { client, upstream }
    pipes.add(pipe)
    const end = () => {
      pipes.delete(pipe)
      client.destroy()
      upstream.destroy()
    }
    client.on('error', end)
    upstream.on('error', end)
    const toUpstream = forward(client, upstream)
    const toClient = forward(upstream, client)
    client.on('close', () => setTimeout(end, toUpstream()))
    upstream.on('close', () => setTimeout(end, toClient()))
  }

  const server: Server = createServer((client) => {
    accepted++
    if (mode === 'drop') {
      client.resetAndDestroy()
      return
    }
    if (mode === 'stall') {
      // Accepted by the kernel, but nothing comes back until the line heals.
      client.pause()
      held.push(() => {
        if (client.destroyed) return
        client.resume()
        open(client)
      })
      return
    }
    open(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('proxy has no port')

  return {
    port: address.port,
    url: `redis://127.0.0.1:${address.port}`,
    delay: (ms) => {
      delayMs = ms
    },
    partition: (next) => {
      mode = next
      if (next === 'drop') {
        for (const { client, upstream } of pipes) {
          client.resetAndDestroy()
          upstream.destroy()
        }
        pipes.clear()
      }
    },
    heal: () => {
      mode = 'open'
      for (const release of held.splice(0)) release()
    },
    drained: () =>
      inFlight === 0 ? Promise.resolve() : new Promise((resolve) => drainWaiters.push(resolve)),
    accepted: () => accepted,
    close: async () => {
      for (const { client, upstream } of pipes) {
        client.destroy()
        upstream.destroy()
      }
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
