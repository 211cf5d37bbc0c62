import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Server } from 'socket.io'
import { io as io_ } from 'socket.io-client'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { confirmed } from '../../middleware/sync/guarantees/confirmed'
import type { RelayOptions } from '../../server/relay/types'
import { sqliteStore } from '../../server/store/sqliteStore'
import { isPatchwireError } from '../../src/errors'
import { formatHlc } from '../../src/hlc'
import { makeSyncedStore } from '../guarantees/helpers'
import { type ClientSocket, eventually, live, startRelay, todos } from './helpers'
import { kiosk, roomLog, twins } from './kiosks'

type Relay = Awaited<ReturnType<typeof startRelay>>
const relays: Relay[] = []
const dir = mkdtempSync(join(tmpdir(), 'patchwire-ids-'))
afterEach(async () => {
  for (const r of relays.splice(0)) await r.stop()
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const start = async (options: RelayOptions = {}) => {
  const r = await startRelay(options)
  relays.push(r)
  return r
}

/** The values the log holds under each confirmed change's id, at the seq it was confirmed with. */
async function loggedValues(r: Relay, results: { changes: { id: string; seq: number }[] }[]) {
  const log = await roomLog(r)
  return results.flatMap(({ changes }) =>
    changes.map((c) =>
      log.find((e) => e.id === c.id && e.seq === c.seq)?.ops.map((op) => op.value),
    ),
  )
}

/** Three writes, one change each. */
async function addEach(k: ReturnType<typeof kiosk>, texts: string[]) {
  await live(k.store, 'k')
  const results = []
  for (const t of texts) results.push(await k.add(t))
  return results
}

describe('a client started again under a fixed clientId without persist', () => {
  it('continues after the ids the relay holds: every write of both runs is in the room', async () => {
    const r = await start()
    const first = kiosk(r)
    const firstRun = await addEach(first, ['a', 'b', 'c'])
    first.exit()
    const second = kiosk(r)
    const secondRun = await addEach(second, ['d', 'e', 'f'])
    expect((await r.roomState('k')).todos).toEqual({ items: ['a', 'b', 'c', 'd', 'e', 'f'] })
    expect(await loggedValues(r, [...firstRun, ...secondRun])).toEqual([
      ['a'],
      ['b'],
      ['c'],
      ['d'],
      ['e'],
      ['f'],
    ])
    await eventually(() => expect(second.store.getState().todos.items).toHaveLength(6))
  })

  it('renumbers the writes it made before the join: they are in the room under the ids they were confirmed with', async () => {
    const r = await start()
    const first = kiosk(r)
    await addEach(first, ['a', 'b', 'c'])
    first.exit()
    const second = kiosk(r)
    // Dispatched before sync joined: the ids are made before the relay tells its counter.
    const early = await Promise.all(['d', 'e'].map(second.add))
    expect((await r.roomState('k')).todos).toEqual({ items: ['a', 'b', 'c', 'd', 'e'] })
    const values = await loggedValues(r, early)
    expect(values).not.toContain(undefined)
    expect(values.flat()).toEqual(expect.arrayContaining(['d', 'e']))
  })

  it('continues after the ids the relay holds across a relay restart on the same SQLite file', async () => {
    const file = join(dir, 'restart.db')
    const before = await start({ store: sqliteStore({ file }) })
    const first = kiosk(before)
    await addEach(first, ['a', 'b', 'c'])
    first.exit()
    await before.stop()
    relays.splice(relays.indexOf(before), 1)
    const after = await start({ store: sqliteStore({ file }) })
    const second = kiosk(after)
    const secondRun = await addEach(second, ['d', 'e', 'f'])
    expect((await after.roomState('k')).todos).toEqual({ items: ['a', 'b', 'c', 'd', 'e', 'f'] })
    expect(await loggedValues(after, secondRun)).toEqual([['d'], ['e'], ['f']])
  })

  it('continues after the ids the relay holds once the room log was compacted', async () => {
    const r = await start({ compactEvery: 2, keepTail: 1 })
    const first = kiosk(r)
    await addEach(first, ['a', 'b', 'c', 'g'])
    first.exit()
    const second = kiosk(r)
    await addEach(second, ['d', 'e', 'f'])
    expect((await r.roomState('k')).todos).toEqual({
      items: ['a', 'b', 'c', 'g', 'd', 'e', 'f'],
    })
  })

  it('a write under an id the room holds with other content takes a new id and lands in the room', async () => {
    const r = await start()
    const b = kiosk(r)
    await live(b.store, 'k')
    await eventually(() => expect(b.store.getState().patchwire.sync.k?.pending).toBe(0))
    // Another process under the same client id wrote the id b makes next.
    const other = r.socketFor({ reconnection: false })
    await new Promise((resolve) =>
      other.emit('join', { room: 'k', schemaVersion: 1, clientId: 'kiosk1' }, resolve),
    )
    const ts = formatHlc({ wall: Date.now(), counter: 0, node: 'kiosk1' })
    const ops = [{ op: 'add' as const, path: ['todos', 'items', '-'], value: 'from a' }]
    await new Promise((resolve) =>
      other.emit('push', { room: 'k', changes: [{ id: 'kiosk1:2', ts, ops }] }, resolve),
    )
    const result = await b.add('from b')
    expect(result.changes[0]!.id).not.toBe('kiosk1:2')
    expect(await loggedValues(r, [result])).toEqual([['from b']])
    expect(b.rejected).toEqual([])
    expect((await r.roomState('k')).todos).toEqual({ items: ['from a', 'from b'] })
    await eventually(() => expect(b.store.getState().todos.items).toEqual(['from a', 'from b']))
  })
})

let files = 0
const stores: [string, () => RelayOptions][] = [
  ['in memory', () => ({})],
  ['on SQLite', () => ({ store: sqliteStore({ file: join(dir, `twins-${++files}.db`) }) })],
]

describe.each(stores)('one fixed clientId in two live processes, relay %s', (_, options) => {
  it('the room holds every write of both processes, each once', async () => {
    const r = await start(options())
    await twins(r)
    const items = ((await r.roomState('k')).todos as { items: string[] }).items
    expect(items.slice().sort()).toEqual(['a1', 'a2', 'a3', 'b1', 'b2', 'b3'])
  })

  it('every confirmed() resolves with the id and seq its own change has in the log', async () => {
    const r = await start(options())
    const { outcomes } = await twins(r)
    const log = await roomLog(r)
    const logged = outcomes.map(({ title, id, seq, error }) => {
      const entry = log.find((e) => e.id === id && e.seq === seq)
      return { title, error, values: entry?.ops.map((op) => op.value) }
    })
    expect(logged).toEqual(
      outcomes.map(({ title }) => ({ title, error: undefined, values: [title] })),
    )
  })

  it('both processes converge with the room and report no rejection', async () => {
    const r = await start(options())
    const { a, b } = await twins(r)
    const room = (await r.roomState('k')).todos
    await eventually(() => {
      expect(a.store.getState().todos).toEqual(room)
      expect(b.store.getState().todos).toEqual(room)
    })
    expect([...a.rejected, ...b.rejected]).toEqual([])
  })
})

describe('a relay that refuses every id as id_conflict', () => {
  it('gets a change pushed a bounded number of times, then rolled back and rejected id_conflict', async () => {
    // Not the patchwire relay: a Socket.IO server on loopback that takes the
    // room's seed (wall time 0) and answers every other change id_conflict.
    const http = createServer()
    const io = new Server(http)
    const pushed: string[] = []
    let seq = 0
    io.on('connection', (socket) => {
      socket.on('join', (req: { room: string; clientId: string }, ack: (res: unknown) => void) =>
        ack({
          ok: true,
          room: req.room,
          seq: 0,
          changes: [],
          client: { id: req.clientId, counter: 0 },
        }),
      )
      socket.on(
        'push',
        (req: { changes: { id: string; ts: string }[] }, ack: (res: unknown) => void) => {
          const changes = req.changes.filter((c) => Number(c.ts.slice(0, 15)) > 0)
          pushed.push(...changes.map((c) => c.id))
          ack({
            ok: true,
            results: req.changes.map((c) =>
              changes.includes(c)
                ? { id: c.id, reason: 'id_conflict', message: 'taken' }
                : { id: c.id, seq: ++seq },
            ),
          })
        },
      )
    })
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
    const { port } = http.address() as AddressInfo
    const socket: ClientSocket = io_(`http://127.0.0.1:${port}`, { transports: ['websocket'] })
    const k = makeSyncedStore({ room: 'k', clientId: 'kiosk1', socket, allowKeys: ['todos'] })
    try {
      await live(k.store, 'k')
      const refused = await k.store.dispatch(confirmed(todos.actions.added('x'))).then(
        () => undefined,
        (err: unknown) => err,
      )
      expect(isPatchwireError(refused, 'id_conflict')).toBe(true)
      expect(k.rejected.map((x) => x.reason)).toContain('id_conflict')
      expect(k.store.getState().todos.items).toEqual([])
      // Under a new id each time.
      expect(new Set(pushed).size).toBe(pushed.length)
      expect(pushed.length).toBeGreaterThan(1)
    } finally {
      k.mw.stop()
      socket.disconnect()
      await io.close()
    }
  })
})
