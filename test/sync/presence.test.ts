import { configureStore } from '@reduxjs/toolkit'
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { sync } from '../../middleware/sync/sync'
import { presenceChanged } from '../../slices/patchwireSlice'
import { selectPresence } from '../../slices/presenceStatus'
import {
  createMemoryStorage,
  PATCHWIRE_KEY,
  patchwireMiddleware,
  patchwireReducer,
  persist,
  setPresence,
  withPatchwire,
} from '../../src/index'
import type { JoinAck, PresenceEvent } from '../../src/protocol'
import {
  type ClientSocket,
  eventually,
  live,
  makeStore,
  startRelay,
  type TestStore,
  todos,
} from './helpers'

let relay: Awaited<ReturnType<typeof startRelay>> | undefined
afterEach(async () => {
  await relay?.stop()
  relay = undefined
})

const start = async (options: Parameters<typeof startRelay>[0] = {}) => {
  relay = await startRelay(options)
  return relay
}

/** The values of a room's presence map, by client id. */
const valuesIn = (store: TestStore, room: string): Record<string, unknown> =>
  Object.fromEntries(
    Object.values(selectPresence(store.getState(), room)).map((p) => [p.clientId, p.value]),
  )

/** A raw socket that joined `room` as `clientId` and records the presence events it receives. */
async function rawMember(socket: ClientSocket, room: string, clientId: string) {
  const events: PresenceEvent[] = []
  socket.on('presence', (e) => events.push(e))
  const ack = await new Promise<JoinAck>((resolve) =>
    socket.emit('join', { room, schemaVersion: 1, clientId }, resolve),
  )
  expect(ack.ok).toBe(true)
  return events
}

describe('presence through a real relay', () => {
  it('a value set in one store reaches another store in the room with the setter’s client id', async () => {
    const r = await start()
    const a = r.client({ room: 'p1', clientId: 'alice' })
    const b = r.client({ room: 'p1', clientId: 'bob' })
    await live(a.store, 'p1')
    await live(b.store, 'p1')
    a.store.dispatch(setPresence({ name: 'Alice' }, { room: 'p1' }))
    await eventually(() => expect(valuesIn(b.store, 'p1')).toEqual({ alice: { name: 'Alice' } }))
    await eventually(() =>
      expect(Object.values(selectPresence(a.store.getState(), 'p1'))).toEqual([
        { clientId: 'alice', value: { name: 'Alice' }, self: true },
      ]),
    )
  })

  it('an update replaces the value the others see', async () => {
    const r = await start()
    const a = r.client({ room: 'p2', clientId: 'alice' })
    const b = r.client({ room: 'p2', clientId: 'bob' })
    await live(a.store, 'p2')
    await live(b.store, 'p2')
    a.store.dispatch(setPresence({ typing: false }))
    await eventually(() => expect(valuesIn(b.store, 'p2')).toEqual({ alice: { typing: false } }))
    a.store.dispatch(setPresence({ typing: true }))
    await eventually(() => expect(valuesIn(b.store, 'p2')).toEqual({ alice: { typing: true } }))
  })

  it('a store that joins later receives who is already in the room', async () => {
    const r = await start()
    const a = r.client({ room: 'p3', clientId: 'alice' })
    a.store.dispatch(setPresence('here'))
    await live(a.store, 'p3')
    await eventually(() => expect(valuesIn(a.store, 'p3')).toEqual({ alice: 'here' }))
    const b = r.client({ room: 'p3', clientId: 'bob' })
    b.store.dispatch(setPresence('me too'))
    await eventually(() =>
      expect(valuesIn(b.store, 'p3')).toEqual({ alice: 'here', bob: 'me too' }),
    )
    await eventually(() =>
      expect(valuesIn(a.store, 'p3')).toEqual({ alice: 'here', bob: 'me too' }),
    )
  })

  it('an entry leaves the others’ map when its socket disconnects', async () => {
    const r = await start()
    const a = r.client({ room: 'p4', clientId: 'alice' })
    const b = r.client({ room: 'p4', clientId: 'bob' })
    await live(b.store, 'p4')
    a.store.dispatch(setPresence('here'))
    await eventually(() => expect(valuesIn(b.store, 'p4')).toEqual({ alice: 'here' }))
    a.socket.disconnect()
    await eventually(() => expect(valuesIn(b.store, 'p4')).toEqual({}))
  })

  it('setting null removes the entry at the others', async () => {
    const r = await start()
    const a = r.client({ room: 'p5', clientId: 'alice' })
    const b = r.client({ room: 'p5', clientId: 'bob' })
    await live(b.store, 'p5')
    a.store.dispatch(setPresence('here'))
    await eventually(() => expect(valuesIn(b.store, 'p5')).toEqual({ alice: 'here' }))
    a.store.dispatch(setPresence(null))
    await eventually(() => expect(valuesIn(b.store, 'p5')).toEqual({}))
  })

  it('an entry whose heartbeats stop expires after the relay’s TTL', async () => {
    const r = await start({ presenceTtlMs: 300 })
    const b = r.client({ room: 'p6', clientId: 'bob' })
    await live(b.store, 'p6')
    // A client that sets its presence once and never again (a hung tab).
    const raw = r.socketFor()
    await rawMember(raw, 'p6', 'silent')
    raw.emit('presence:set', { room: 'p6', value: 'once' }, () => {})
    await eventually(() => expect(valuesIn(b.store, 'p6')).toEqual({ silent: 'once' }))
    await eventually(() => expect(valuesIn(b.store, 'p6')).toEqual({}))
    expect(raw.connected).toBe(true)
  })

  it('a store keeps its entry alive past the TTL by heartbeats', async () => {
    const r = await start({ presenceTtlMs: 300 })
    const a = r.client({ room: 'p7', clientId: 'alice' })
    await live(a.store, 'p7')
    const watcher = await rawMember(r.socketFor(), 'p7', 'watcher')
    a.store.dispatch(setPresence('here'))
    // Several TTLs' worth of heartbeats, counted rather than timed.
    await eventually(() =>
      expect(watcher.filter((e) => e.type === 'update').length).toBeGreaterThanOrEqual(4),
    )
    expect(watcher.some((e) => e.type === 'leave')).toBe(false)
    expect(valuesIn(a.store, 'p7')).toEqual({ alice: 'here' })
  })

  it('a peer’s heartbeats refresh its entry without dispatching status actions', async () => {
    const r = await start({ presenceTtlMs: 300 })
    const a = r.client({ room: 'p11', clientId: 'alice' })
    const statusActions: unknown[] = []
    const mw = sync({ room: 'p11', allowKeys: ['todos'], socket: r.socketFor(), clientId: 'bob' })
    const b = makeStore([
      mw.middleware,
      () => (next) => (action) => {
        if (presenceChanged.match(action)) statusActions.push(action)
        return next(action)
      },
    ])
    await live(b, 'p11')
    const watcher = await rawMember(r.socketFor(), 'p11', 'watcher')
    a.store.dispatch(setPresence('here'))
    await eventually(() => expect(valuesIn(b, 'p11')).toEqual({ alice: 'here' }))
    const seen = statusActions.length
    await eventually(() =>
      expect(watcher.filter((e) => e.type === 'update').length).toBeGreaterThanOrEqual(4),
    )
    expect(valuesIn(b, 'p11')).toEqual({ alice: 'here' })
    expect(statusActions).toHaveLength(seen)
    mw.stop()
  })

  it('a value over the size limit is refused too_large and the others keep the last accepted one', async () => {
    const r = await start({ limits: { maxPresenceBytes: 64 } })
    const a = r.client({ room: 'p8', clientId: 'alice' })
    const b = r.client({ room: 'p8', clientId: 'bob' })
    await live(b.store, 'p8')
    a.store.dispatch(setPresence('small'))
    await eventually(() => expect(valuesIn(b.store, 'p8')).toEqual({ alice: 'small' }))
    a.store.dispatch(setPresence('x'.repeat(200)))
    await eventually(() =>
      expect(a.store.getState().patchwire.presence.p8?.lastError).toMatch(
        /^presence refused: too_large/,
      ),
    )
    expect(a.store.getState().patchwire.presence.p8?.value).toBe('small')
    expect(valuesIn(b.store, 'p8')).toEqual({ alice: 'small' })
  })

  it('a value the room’s presence schema refuses is reported as schema', async () => {
    const r = await start({ presenceSchema: () => z.object({ name: z.string() }) })
    const a = r.client({ room: 'p9', clientId: 'alice' })
    await live(a.store, 'p9')
    a.store.dispatch(setPresence({ name: 42 }))
    await eventually(() =>
      expect(a.store.getState().patchwire.presence.p9?.lastError).toMatch(
        /^presence refused: schema/,
      ),
    )
    expect(valuesIn(a.store, 'p9')).toEqual({})
  })

  it('a store resends its presence after a reconnect', async () => {
    const r = await start()
    const a = r.client({ room: 'p10', clientId: 'alice' })
    const b = r.client({ room: 'p10', clientId: 'bob' })
    await live(b.store, 'p10')
    a.store.dispatch(setPresence('here'))
    await eventually(() => expect(valuesIn(b.store, 'p10')).toEqual({ alice: 'here' }))
    // The relay drops the connection; socket.io-client reconnects and sync re-joins.
    r.relay.io
      .of('/')
      .sockets.get(a.socket.id as string)
      ?.disconnect(true)
    await eventually(() => expect(valuesIn(b.store, 'p10')).toEqual({}))
    a.socket.connect()
    await eventually(() => expect(valuesIn(b.store, 'p10')).toEqual({ alice: 'here' }))
  })
})

describe('presence is never durable', () => {
  it('never appears in the room’s log, snapshot or sequence', async () => {
    const r = await start()
    const a = r.client({ room: 'd1', clientId: 'alice' })
    await live(a.store, 'd1')
    a.store.dispatch(todos.actions.added('one'))
    await eventually(() => expect(a.store.getState().patchwire.sync.d1?.pending).toBe(0))
    const head = await r.roomHead('d1')
    for (let i = 0; i < 5; i++) a.store.dispatch(setPresence({ cursor: i }))
    await eventually(() =>
      expect(Object.values(selectPresence(a.store.getState(), 'd1'))[0]?.value).toEqual({
        cursor: 4,
      }),
    )
    expect(await r.roomHead('d1')).toBe(head)
    const room = await r.roomState('d1')
    expect(JSON.stringify(room)).not.toContain('cursor')
    const socket = r.socketFor({ reconnection: false })
    const log = await new Promise<JoinAck>((resolve) =>
      socket.emit('join', { room: 'd1', since: 0, schemaVersion: 1, clientId: 'reader' }, resolve),
    )
    expect(JSON.stringify(log)).not.toContain('cursor')
  })

  it('never reaches persisted state', async () => {
    const r = await start()
    const storage = createMemoryStorage()
    const socket = r.socketFor()
    const saver = persist({ storage, key: 'app', debounceMs: 10 })
    const mw = sync({ room: 'd2', allowKeys: ['todos'], socket, clientId: 'alice' })
    const store = configureStore({
      reducer: withPatchwire({ todos: todos.reducer, [PATCHWIRE_KEY]: patchwireReducer }),
      middleware: (gDM) =>
        gDM().prepend(saver.middleware).concat(patchwireMiddleware(), mw.middleware),
    })
    try {
      await eventually(() => expect(store.getState().patchwire.sync.d2?.connection).toBe('live'))
      store.dispatch(setPresence({ secretCursor: 7 }))
      store.dispatch(todos.actions.added('saved'))
      await eventually(() =>
        expect(Object.values(selectPresence(store.getState(), 'd2'))[0]?.value).toEqual({
          secretCursor: 7,
        }),
      )
      await saver.flush()
      const stored = JSON.stringify([...storage.data])
      expect(stored).toContain('saved')
      expect(stored).not.toContain('secretCursor')
    } finally {
      void saver.stop()
      mw.stop()
    }
  })
})
