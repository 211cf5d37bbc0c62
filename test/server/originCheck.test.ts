import { io } from 'socket.io-client'
import { afterEach, describe, expect, it } from 'vitest'
import type { RelayOptions } from '../../server/relay/types'
import { startRelay } from '../sync/helpers'

// A browser opens a WebSocket to any host without asking: CORS only guards the
// polling transport. The relay refuses, at the handshake of either transport,
// pages from an origin it does not serve and was not told to allow.

const stops: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop()
})

async function relayAt(options: RelayOptions = {}): Promise<string> {
  const relay = await startRelay(options)
  stops.push(relay.stop)
  return relay.url
}

/** Connects as a page of `origin` would (or as a Node client without one); resolves how it went. */
function connectFrom(
  url: string,
  transport: 'websocket' | 'polling',
  origin?: string,
): Promise<'connected' | string> {
  const socket = io(url, {
    transports: [transport],
    forceNew: true,
    reconnection: false,
    ...(origin === undefined ? {} : { extraHeaders: { origin } }),
  })
  return new Promise((resolve) => {
    socket.once('connect', () => {
      socket.disconnect()
      resolve('connected')
    })
    socket.once('connect_error', (err) => {
      socket.disconnect()
      resolve(`refused: ${err.message}`)
    })
  })
}

describe('the origin of a page that connects to the relay', () => {
  it('is refused over WebSocket and polling when it is another origin and none is allowed', async () => {
    const url = await relayAt()
    expect(await connectFrom(url, 'websocket', 'https://evil.example')).toMatch(/^refused/)
    expect(await connectFrom(url, 'polling', 'https://evil.example')).toMatch(/^refused/)
  })

  it("is let in when it is the relay's own origin, or when no origin is sent (not a browser)", async () => {
    const url = await relayAt()
    expect(await connectFrom(url, 'websocket', url)).toBe('connected')
    expect(await connectFrom(url, 'polling', url)).toBe('connected')
    expect(await connectFrom(url, 'websocket')).toBe('connected')
  })

  it('is let in when cors.origin lists it, and other origins stay out', async () => {
    const url = await relayAt({ cors: { origin: ['https://app.example'] } })
    expect(await connectFrom(url, 'websocket', 'https://app.example')).toBe('connected')
    expect(await connectFrom(url, 'websocket', 'https://evil.example')).toMatch(/^refused/)
  })

  it('is let in from anywhere with cors.origin true', async () => {
    const url = await relayAt({ cors: { origin: true } })
    expect(await connectFrom(url, 'websocket', 'https://anywhere.example')).toBe('connected')
  })

  it('is refused when the page has no origin of its own (null)', async () => {
    const url = await relayAt()
    expect(await connectFrom(url, 'websocket', 'null')).toMatch(/^refused/)
  })
})
