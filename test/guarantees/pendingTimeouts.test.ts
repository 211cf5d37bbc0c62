import { afterEach, describe, expect, it } from 'vitest'
import { persist } from '../../middleware/persist/persist'
import { createMemoryStorage } from '../../middleware/persist/storages/memoryStorage'
import { confirmed } from '../../middleware/sync/guarantees/confirmed'
import { sync } from '../../middleware/sync/sync'
import { selectIsPending } from '../../slices/pendingSelectors'
import { eventually, live, settings, todos } from '../sync/helpers'
import { type GatedRelay, makeSyncedStore, startGatedRelay } from './helpers'

let relay: GatedRelay | undefined
afterEach(async () => {
  await relay?.stop()
  relay = undefined
})

const start = async () => {
  relay = await startGatedRelay()
  return relay
}

const settled = (
  store: { getState(): { patchwire: { sync: Record<string, { pending: number } | undefined> } } },
  room: string,
) => eventually(() => expect(store.getState().patchwire.sync[room]?.pending).toBe(0))

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('pending timeouts', () => {
  it('a change not acknowledged in time while connected is rolled back with reason timeout', async () => {
    const r = await start()
    const seeder = r.client({ room: 't1' })
    await settled(seeder.store, 't1')
    r.gate('slow', 'hold')
    const a = r.client({ room: 't1', pendingTimeoutMs: 50 }, 'slow')
    await live(a.store, 't1')
    a.store.dispatch(settings.actions.themeSet('dark'))
    expect(a.store.getState().settings.theme).toBe('dark')
    await eventually(() => expect(a.rejected).toHaveLength(1))
    expect(a.rejected[0]).toMatchObject({ reason: 'timeout', stage: 'client', source: 'local' })
    expect(a.store.getState().settings.theme).toBe('light')
    expect(a.store.getState().patchwire.sync.t1?.pending).toBe(0)
  })

  it('the rollback does not overwrite newer relay data on the same path', async () => {
    const r = await start()
    const b = r.client({ room: 't2' })
    await settled(b.store, 't2')
    r.gate('slow', 'hold')
    // Long enough for b's confirmed write to reach a first, also on a loaded machine.
    const a = r.client({ room: 't2', pendingTimeoutMs: 2_000 }, 'slow')
    await live(a.store, 't2')
    a.store.dispatch(settings.actions.themeSet('from a'))
    await sleep(5)
    await b.store.dispatch(confirmed(settings.actions.themeSet('from b')))
    // The relay's newer value is in a's confirmed base; a still shows its own pending write.
    await eventually(() => expect(a.store.getState().patchwire.sync.t2?.lastSeq).toBeGreaterThan(1))
    expect(a.store.getState().settings.theme).toBe('from a')
    await eventually(() => expect(a.rejected.map((x) => x.reason)).toEqual(['timeout']))
    expect(a.store.getState().settings.theme).toBe('from b')
  })

  it('a change rolled back on timeout is reported once, even when its held push is refused later', async () => {
    const r = await start()
    const b = r.client({ room: 't5' })
    await settled(b.store, 't5')
    r.gate('slow', 'hold')
    const a = r.client({ room: 't5', pendingTimeoutMs: 50 }, 'slow')
    await live(a.store, 't5')
    a.store.dispatch(settings.actions.themeSet('from a'))
    await eventually(() => expect(a.rejected.map((x) => x.reason)).toEqual(['timeout']))
    // A newer write to the same path: the held push, when it lands, is wholly stale.
    await b.store.dispatch(confirmed(settings.actions.themeSet('from b')))
    r.gate('slow', 'open')
    // Pushes go one at a time: once this one is in the room, the held one was answered.
    a.store.dispatch(todos.actions.added('after'))
    await settled(a.store, 't5')
    expect((await r.roomState('t5')).todos).toEqual({ items: ['after'] })
    expect(a.store.getState().settings.theme).toBe('from b')
    expect(a.rejected.map((x) => x.reason)).toEqual(['timeout'])
    expect(a.store.getState().patchwire.counters.rejected).toBe(1)
  })

  it('time offline does not count: the outbox waits and is pushed after the reconnect', async () => {
    const r = await start()
    const a = r.client({ room: 't3', pendingTimeoutMs: 30 })
    await settled(a.store, 't3')
    a.socket.disconnect()
    await eventually(() => expect(a.store.getState().patchwire.sync.t3?.connection).toBe('offline'))
    a.store.dispatch(todos.actions.added('kept'))
    await sleep(120)
    expect(a.rejected).toEqual([])
    expect(a.store.getState().todos.items).toEqual(['kept'])
    a.socket.connect()
    await settled(a.store, 't3')
    expect(a.rejected).toEqual([])
    expect((await r.roomState('t3')).todos).toEqual({ items: ['kept'] })
  })

  it('with offlineExpiryMs, a change waiting offline too long is rolled back with reason offline', async () => {
    const r = await start()
    const a = r.client({ room: 't4', offlineExpiryMs: 30 })
    await settled(a.store, 't4')
    a.socket.disconnect()
    await eventually(() => expect(a.store.getState().patchwire.sync.t4?.connection).toBe('offline'))
    a.store.dispatch(todos.actions.added('expires'))
    await eventually(() => expect(a.rejected.map((x) => x.reason)).toEqual(['offline']))
    expect(a.store.getState().todos.items).toEqual([])
    a.socket.connect()
    await live(a.store, 't4')
    await settled(a.store, 't4')
    expect((await r.roomState('t4')).todos).toEqual({ items: [] })
  })

  it('refuses a pendingTimeoutMs that is not a positive number at setup', () => {
    expect(() =>
      sync({ room: 'x', allowKeys: ['todos'], url: 'http://127.0.0.1:1', pendingTimeoutMs: -1 }),
    ).toThrow(/pendingTimeoutMs/)
  })
})

describe('per-path pending state', () => {
  it('selectIsPending is true for a written path and its relatives while unacknowledged, then false', async () => {
    const r = await start()
    const seeder = r.client({ room: 'p1' })
    await settled(seeder.store, 'p1')
    r.gate('slow', 'hold')
    const a = r.client({ room: 'p1' }, 'slow')
    await live(a.store, 'p1')
    a.store.dispatch(settings.actions.themeSet('dark'))
    await eventually(() => expect(selectIsPending(a.store.getState(), 'settings.theme')).toBe(true))
    expect(selectIsPending(a.store.getState(), ['settings', 'theme'])).toBe(true)
    expect(selectIsPending(a.store.getState(), '/settings')).toBe(true)
    expect(selectIsPending(a.store.getState(), 'settings.lang')).toBe(false)
    expect(a.store.getState().patchwire.sync.p1?.pendingPaths).toEqual(['/settings/theme'])
    r.gate('slow', 'open')
    await eventually(() =>
      expect(selectIsPending(a.store.getState(), 'settings.theme')).toBe(false),
    )
  })

  it('an append marks the array as pending', async () => {
    const r = await start()
    r.gate('slow', 'hold')
    const a = r.client({ room: 'p2' }, 'slow')
    await live(a.store, 'p2')
    a.store.dispatch(todos.actions.added('x'))
    await eventually(() => expect(selectIsPending(a.store.getState(), 'todos.items')).toBe(true))
    expect(selectIsPending(a.store.getState(), 'settings')).toBe(false)
  })
})

describe('idempotent re-sends across reloads', () => {
  it('a change saved in the outbox before its ack is applied once when a reload pushes it again', async () => {
    const r = await start()
    const storage = createMemoryStorage()
    const socket = r.socketFor()
    const saver = persist({ storage, key: 'app', debounceMs: 0 })
    const { store: before, mw: first } = makeSyncedStore(
      { room: 'i1', allowKeys: ['todos', 'settings'], socket },
      [],
      [saver.middleware],
    )
    await live(before, 'i1')
    await settled(before, 'i1')
    socket.disconnect()
    await eventually(() => expect(before.getState().patchwire.sync.i1?.connection).toBe('offline'))
    const write = before.dispatch(confirmed(todos.actions.added('once')))
    await saver.flush()
    // What a tab closed right now would leave behind: the change, still pending, with its id.
    const saved = new Map(storage.data)
    socket.connect()
    const { seq } = await write
    expect(seq).toBeGreaterThan(0)
    first.stop()

    const { store: after, mw: second } = makeSyncedStore(
      { room: 'i1', allowKeys: ['todos', 'settings'], socket: r.socketFor() },
      [],
      [persist({ storage: createMemoryStorage(saved), key: 'app', debounceMs: 0 }).middleware],
    )
    await eventually(() => {
      expect(after.getState().patchwire.sync.i1).toMatchObject({ connection: 'live', pending: 0 })
      expect(after.getState().todos.items).toEqual(['once'])
    })
    expect((await r.roomState('i1')).todos).toEqual({ items: ['once'] })
    second.stop()
  })
})
