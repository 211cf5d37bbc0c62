import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { confirmed } from '../../middleware/sync/guarantees/confirmed'
import type { RelayOptions } from '../../server/relay/types'
import { sqliteStore } from '../../server/store/sqliteStore'
import { isPatchwireError } from '../../src/errors'
import { formatHlc } from '../../src/hlc'
import type { JoinAck, RelayChange } from '../../src/protocol'
import { makeSyncedStore } from '../guarantees/helpers'
import { eventually, live, startRelay, todos } from './helpers'

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

/** A process of the app: a fresh store (no persist) syncing `room` under a fixed client id. */
function kiosk(r: Relay, room = 'k', clientId = 'kiosk1') {
  const socket = r.socketFor()
  const made = makeSyncedStore({ room, clientId, socket, allowKeys: ['todos', 'settings'] })
  return {
    ...made,
    add: (text: string) => made.store.dispatch(confirmed(todos.actions.added(text))),
    exit: () => {
      made.mw.stop()
      socket.disconnect()
    },
  }
}

/** Every change in the room's log, read by a fresh socket. */
async function roomLog(r: Relay, room = 'k'): Promise<RelayChange[]> {
  const socket = r.socketFor({ reconnection: false })
  const ack = await new Promise<JoinAck>((resolve) =>
    socket.emit('join', { room, since: 0, schemaVersion: 1, clientId: 'inspector' }, resolve),
  )
  socket.disconnect()
  if (!ack.ok) throw new Error(`join refused: ${ack.reason}`)
  return ack.changes
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

  it('a write under an id the room holds with other content is rolled back and rejected id_conflict', async () => {
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
    const refused = await b.add('from b').then(
      () => undefined,
      (err: unknown) => err,
    )
    expect(isPatchwireError(refused, 'id_conflict')).toBe(true)
    expect(b.rejected.map((x) => x.reason)).toEqual(['id_conflict'])
    expect((await r.roomState('k')).todos).toEqual({ items: ['from a'] })
    await eventually(() => expect(b.store.getState().todos.items).toEqual(['from a']))
  })
})
