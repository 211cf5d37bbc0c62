import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { createInterface } from 'node:readline'
import { io } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import { sync } from '../../middleware/sync/sync'
import { createRelay } from '../../server/createRelay'
import { redisAdapter } from '../../server/redisAdapter'
import { redisStore } from '../../server/store/redisStore'
import { selectPresence } from '../../slices/presenceStatus'
import { setPresence } from '../../src/presenceActions'
import { type ClientSocket, eventually, live, makeStore, type TestStore } from '../sync/helpers'
import { sharedRedisServer } from './sharedRedisServer'

const shared = sharedRedisServer()
const { cleanups } = shared

/** A relay node in this process on the shared Redis. */
async function node(prefix: string, presenceTtlMs?: number): Promise<string> {
  const store = redisStore(shared.server.url, { prefix })
  const fanout = redisAdapter(store.client, { key: `${prefix}io` })
  const relay = createRelay({
    store,
    adapter: fanout.adapter,
    ...(presenceTtlMs ? { presenceTtlMs } : {}),
  })
  const port = await relay.listen(0, '127.0.0.1')
  cleanups.push(async () => {
    await relay.close()
    await fanout.close()
  })
  return `http://127.0.0.1:${port}`
}

/** A relay node in a child process, so SIGKILL ends it without a goodbye or a leave. */
async function nodeProcess(prefix: string, presenceTtlMs: number) {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'test/redis/presenceNodeMain.ts',
      shared.server.url,
      prefix,
      String(presenceTtlMs),
    ],
    { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  }
  cleanups.push(kill)
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; port?: number }
      if (entry.msg === 'listening' && typeof entry.port === 'number') resolve(entry.port)
    })
    void exited.then(() => reject(new Error('the relay node exited before listening')))
  })
  return { url: `http://127.0.0.1:${port}`, kill }
}

/** A store syncing `room` through the node at `url`. */
function client(
  url: string,
  room: string,
  clientId: string,
): { store: TestStore; socket: ClientSocket } {
  const socket: ClientSocket = io(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  })
  const mw = sync({ room, allowKeys: ['todos'], socket, clientId })
  cleanups.push(() => {
    mw.stop()
    socket.disconnect()
  })
  return { store: makeStore([mw.middleware]), socket }
}

const valuesIn = (store: TestStore, room: string): Record<string, unknown> =>
  Object.fromEntries(
    Object.values(selectPresence(store.getState(), room)).map((p) => [p.clientId, p.value]),
  )

describe('presence across relay nodes on Redis', { timeout: 60_000 }, () => {
  it('a value set on one node reaches a client on another, and its update too', async () => {
    const prefix = `p${randomUUID()}:`
    const [one, two] = [await node(prefix), await node(prefix)]
    const a = client(one, 'room', 'alice')
    const b = client(two, 'room', 'bob')
    await live(a.store, 'room')
    await live(b.store, 'room')
    a.store.dispatch(setPresence('typing'))
    await eventually(() => expect(valuesIn(b.store, 'room')).toEqual({ alice: 'typing' }))
    a.store.dispatch(setPresence('idle'))
    await eventually(() => expect(valuesIn(b.store, 'room')).toEqual({ alice: 'idle' }))
  })

  it('a client joining on another node receives the entries held on the first', async () => {
    const prefix = `p${randomUUID()}:`
    const [one, two] = [await node(prefix), await node(prefix)]
    const a = client(one, 'room', 'alice')
    a.store.dispatch(setPresence('here'))
    await eventually(() => expect(valuesIn(a.store, 'room')).toEqual({ alice: 'here' }))
    const b = client(two, 'room', 'bob')
    await eventually(() => expect(valuesIn(b.store, 'room')).toEqual({ alice: 'here' }))
  })

  it('an entry leaves the map on the other node when its socket disconnects', async () => {
    const prefix = `p${randomUUID()}:`
    const [one, two] = [await node(prefix), await node(prefix)]
    const a = client(one, 'room', 'alice')
    const b = client(two, 'room', 'bob')
    await live(b.store, 'room')
    a.store.dispatch(setPresence('here'))
    await eventually(() => expect(valuesIn(b.store, 'room')).toEqual({ alice: 'here' }))
    a.socket.disconnect()
    await eventually(() => expect(valuesIn(b.store, 'room')).toEqual({}))
  })

  it('the entries of a node that dies expire by TTL at clients on the surviving node', async () => {
    const prefix = `p${randomUUID()}:`
    const doomed = await nodeProcess(prefix, 500)
    const survivor = await node(prefix, 500)
    const a = client(doomed.url, 'room', 'alice')
    const b = client(survivor, 'room', 'bob')
    await live(b.store, 'room')
    a.store.dispatch(setPresence('here'))
    await eventually(() => expect(valuesIn(b.store, 'room')).toEqual({ alice: 'here' }))
    await doomed.kill()
    // Nobody can say leave for a node that died: the entry goes because its heartbeats stopped.
    await eventually(() => expect(valuesIn(b.store, 'room')).toEqual({}))
  })
})
