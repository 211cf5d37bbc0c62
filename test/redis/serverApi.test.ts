import { randomUUID } from 'node:crypto'
import { io } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import type { RoomFeedItem } from '../../server/api/types'
import { createRelay } from '../../server/createRelay'
import { redisAdapter } from '../../server/redisAdapter'
import type { Relay } from '../../server/relay/types'
import { redisStore } from '../../server/store/redisStore'
import { ask, type ClientSocket, ts, until } from '../server/helpers'
import { sharedRedisServer } from './sharedRedisServer'

// Two relay nodes in this process sharing one Redis, as separate processes would.
const shared = sharedRedisServer()
const { cleanups } = shared

async function twoNodes(): Promise<{ relay: Relay; url: string }[]> {
  const prefix = `api${randomUUID()}:`
  const nodes: { relay: Relay; url: string }[] = []
  for (let i = 0; i < 2; i++) {
    const store = redisStore(shared.server.url, { prefix })
    const fanout = redisAdapter(store.client, { key: `${prefix}io` })
    const relay = createRelay({ store })
    relay.io.adapter(fanout.adapter)
    const port = await relay.listen(0, '127.0.0.1')
    cleanups.push(async () => {
      await relay.close()
      await fanout.close()
    })
    nodes.push({ relay, url: `http://127.0.0.1:${port}` })
  }
  return nodes
}

async function joinedClient(url: string, room: string, clientId: string): Promise<ClientSocket> {
  const socket: ClientSocket = io(url, { transports: ['websocket'], forceNew: true })
  cleanups.push(() => {
    socket.disconnect()
  })
  const ack = await ask(socket, 'join', { room, clientId, schemaVersion: 1 })
  expect(ack.ok).toBe(true)
  return socket
}

describe('the server-side API across relay nodes on Redis', () => {
  it('onChange on one node receives the changes another node accepted, in order', async () => {
    const [a, b] = await twoNodes()
    const seen: RoomFeedItem[] = []
    cleanups.push(a!.relay.onChange((item) => void seen.push(item)))
    const client = await joinedClient(b!.url, 'r', 'c')
    await ask(client, 'push', {
      room: 'r',
      changes: [
        { id: 'c:1', ts: ts(Date.now(), 'c'), ops: [{ op: 'add', path: ['x'], value: 1 }] },
      ],
    })
    const written = await b!.relay.write('r', [{ op: 'add', path: ['y'], value: 2 }], {
      origin: 'job',
    })
    await until(() => seen.length === 2)
    expect(seen.map((c) => [c.seq, c.type === 'change' && c.id])).toEqual([
      [1, 'c:1'],
      [2, written.id],
    ])
  })

  it('changes on one node reads the shared log and follows writes made on the other', async () => {
    const [a, b] = await twoNodes()
    for (let i = 0; i < 3; i++) {
      await b!.relay.write('r', [{ op: 'add', path: [`k${i}`], value: i }], { origin: 'job' })
    }
    const stop = new AbortController()
    const items: RoomFeedItem[] = []
    const done = (async () => {
      for await (const item of a!.relay.changes({ room: 'r', since: 1, signal: stop.signal })) {
        items.push(item)
      }
    })()
    await until(() => items.length === 2)
    await b!.relay.write('r', [{ op: 'add', path: ['k3'], value: 3 }], { origin: 'job' })
    await until(() => items.length === 3)
    stop.abort()
    await done
    expect(items.map((i) => i.seq)).toEqual([2, 3, 4])
  })

  it('writes from both nodes at once each get their own id and sequence, and both nodes read the result', async () => {
    const [a, b] = await twoNodes()
    const watcher = await joinedClient(a!.url, 'r', 'w')
    const broadcast: number[] = []
    watcher.on('change', (c) => broadcast.push(c.seq))
    const writes = [a!, b!].flatMap((node, n) =>
      Array.from({ length: 5 }, (_, i) =>
        node.relay.write('r', [{ op: 'add', path: [`n${n}w${i}`], value: i }], { origin: 'job' }),
      ),
    )
    const verdicts = await Promise.all(writes)
    expect(verdicts.every((v) => 'seq' in v)).toBe(true)
    expect(new Set(verdicts.map((v) => v.id)).size).toBe(10)
    expect(verdicts.map((v) => ('seq' in v ? v.seq : 0)).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 10 }, (_, i) => i + 1),
    )
    await until(() => broadcast.length === 10)
    const [fromA, fromB] = await Promise.all([a!.relay.read('r'), b!.relay.read('r')])
    expect(fromA).toEqual(fromB)
    expect(Object.keys(fromA.state)).toHaveLength(10)
  })
})
