import { randomUUID } from 'node:crypto'
import { io as connectClient } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import { createRelay } from '../../server/createRelay'
import { resyncLocalRooms } from '../../server/redisAdapter'
import type { Relay } from '../../server/relay/types'
import { redisStore } from '../../server/store/redisStore'
import type { RelayChange, RelayChanges } from '../../src/protocol'
import { askRaw, type ClientSocket, ts, until } from '../server/helpers'
import { sharedRedisServer } from './sharedRedisServer'

const shared = sharedRedisServer()
const { cleanups } = shared

/** Two relay nodes sharing one Redis (store and fan-out), as separate processes would. */
async function twoNodes(): Promise<{ relays: Relay[]; urls: string[]; prefix: string }> {
  const prefix = `t${randomUUID()}:`
  const relays: Relay[] = []
  const urls: string[] = []
  for (let i = 0; i < 2; i++) {
    const relay = createRelay({
      redis: { connection: shared.server.url, prefix, fanout: { key: `${prefix}io` } },
    })
    const port = await relay.listen(0, '127.0.0.1')
    cleanups.push(() => relay.close())
    relays.push(relay)
    urls.push(`http://127.0.0.1:${port}`)
  }
  return { relays, urls, prefix }
}

async function connect(url: string): Promise<ClientSocket> {
  const socket: ClientSocket = connectClient(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  })
  cleanups.push(() => void socket.disconnect())
  await new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(undefined))
    socket.once('connect_error', reject)
  })
  return socket
}

const T0 = Date.now()
const pushOf = (client: string, count: number) =>
  Array.from({ length: count }, (_, i) => ({
    id: `${client}:${i + 1}`,
    ts: ts(T0 + i, client),
    ops: [{ op: 'add' as const, path: [`k${i}`], value: i }],
  }))

const join = (socket: ClientSocket, clientId: string, extra: Record<string, unknown> = {}) =>
  askRaw(socket, 'join', { room: 'r', clientId, schemaVersion: 1, ...extra })

describe('frames across relay nodes on one Redis', { timeout: 60_000 }, () => {
  it('a frame reader on the other node gets a push of several changes as one frame', async () => {
    const { urls } = await twoNodes()
    const writer = await connect(urls[0]!)
    const capable = await connect(urls[1]!)
    const legacy = await connect(urls[1]!)
    await join(writer, 'w', { echo: false, frames: true })
    await join(capable, 'f', { frames: true })
    await join(legacy, 'l')
    const frames: RelayChanges[] = []
    capable.on('changes', (f) => frames.push(f))
    const capableEvents: RelayChange[] = []
    capable.on('change', (c) => capableEvents.push(c))
    const events: RelayChange[] = []
    legacy.on('change', (c) => events.push(c))
    const legacyFrames: RelayChanges[] = []
    legacy.on('changes', (f) => legacyFrames.push(f))
    await askRaw(writer, 'push', { room: 'r', changes: pushOf('w', 6) })
    await until(() => frames.length === 1 && events.length === 6)
    expect(frames[0]!.changes.map((c) => c.seq)).toEqual([1, 2, 3, 4, 5, 6])
    expect(events).toEqual(frames[0]!.changes)
    // A later push arrives after anything more of the first: nothing else came.
    await askRaw(writer, 'push', { room: 'r', changes: [{ ...pushOf('w', 7)[6]! }] })
    await until(() => frames.length === 2 && events.length === 7)
    expect(capableEvents).toEqual([])
    expect(legacyFrames).toEqual([])
  })

  it('a resync of local rooms sends frame readers the latest change as a frame and the others as an event', async () => {
    const { relays, urls, prefix } = await twoNodes()
    const writer = await connect(urls[0]!)
    const capable = await connect(urls[1]!)
    const legacy = await connect(urls[1]!)
    await join(writer, 'w', { echo: false })
    await join(capable, 'f', { frames: true })
    await join(legacy, 'l')
    await askRaw(writer, 'push', { room: 'r', changes: pushOf('w', 3) })
    const frames: RelayChanges[] = []
    const events: RelayChange[] = []
    capable.on('changes', (f) => frames.push(f))
    legacy.on('change', (c) => events.push(c))
    await until(() => frames.length === 1 && events.length === 3)
    frames.length = 0
    events.length = 0
    const store = redisStore(shared.server.url, { prefix })
    cleanups.push(() => store.close())
    await resyncLocalRooms(relays[1]!.io, store)
    await until(() => frames.length === 1 && events.length === 1)
    expect(frames[0]!.changes.map((c) => c.seq)).toEqual([3])
    expect(events.map((c) => c.seq)).toEqual([3])
  })
})
