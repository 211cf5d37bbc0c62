import { configureStore, createSlice } from '@reduxjs/toolkit'
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest'
import { z } from 'zod'
import { patchwireMiddleware } from '../../middleware/patchwireMiddleware'
import { type ConfirmedResult, confirmed } from '../../middleware/sync/guarantees/confirmed'
import { sync } from '../../middleware/sync/sync'
import { patchwireReducer } from '../../slices/patchwireSlice'
import { applyPatch } from '../../src/actions'
import { PatchwireError } from '../../src/errors'
import { formatHlc } from '../../src/hlc'
import { PATCHWIRE_KEY, withPatchwire } from '../../src/withPatchwire'
import { draft, eventually, live, makeStore, settings, todos } from '../sync/helpers'
import { lateChanges } from '../sync/lateChanges'
import { type GatedRelay, startGatedRelay } from './helpers'

let relay: GatedRelay | undefined
afterEach(async () => {
  await relay?.stop()
  relay = undefined
})

const start = async (options: Parameters<typeof startGatedRelay>[0] = {}) => {
  relay = await startGatedRelay(options)
  return relay
}

/** A room with data in it: a writer that may not write cannot seed an empty room. */
async function seededRoom(r: GatedRelay, room: string) {
  const seeder = r.client({ room })
  await live(seeder.store, room)
  await eventually(() => expect(seeder.store.getState().patchwire.sync[room]?.pending).toBe(0))
}

async function rejection(promise: PromiseLike<unknown>): Promise<PatchwireError> {
  try {
    await promise
  } catch (err) {
    if (err instanceof PatchwireError) return err
    throw err
  }
  throw new Error('expected the confirmed write to reject')
}

describe('confirmed writes', () => {
  it('resolves with the relay sequence once the relay accepted the change', async () => {
    const r = await start()
    const a = r.client({ room: 'c1' })
    await live(a.store, 'c1')
    const dispatched = a.store.dispatch(confirmed(todos.actions.added('paid')))
    expectTypeOf(dispatched).toMatchTypeOf<PromiseLike<ConfirmedResult>>()
    const result = await dispatched
    expect(result.seq).toBeGreaterThan(0)
    expect(result.changes).toEqual([{ room: 'c1', id: expect.any(String), seq: result.seq }])
    expect((await r.roomState('c1')).todos).toEqual({ items: ['paid'] })
  })

  it('rejects with code schema when the relay schema refuses the change, and rolls it back', async () => {
    const Room = z.object({
      todos: z.object({ items: z.array(z.string().min(1)) }),
      settings: z.object({
        theme: z.string(),
        lang: z.string(),
        fields: z.record(z.string(), z.number()),
      }),
    })
    const r = await start({ schema: () => Room })
    const a = r.client({ room: 'c2' })
    await live(a.store, 'c2')
    const err = await rejection(a.store.dispatch(confirmed(todos.actions.added(''))))
    expect(err.code).toBe('schema')
    expect(a.store.getState().todos.items).toEqual([])
  })

  it('rejects with code forbidden when the relay refuses the writer', async () => {
    const r = await start()
    r.gate('reader', 'deny')
    await seededRoom(r, 'c3')
    const a = r.client({ room: 'c3' }, 'reader')
    await live(a.store, 'c3')
    const err = await rejection(a.store.dispatch(confirmed(settings.actions.themeSet('dark'))))
    expect(err.code).toBe('forbidden')
    expect(a.store.getState().settings.theme).toBe('light')
  })

  it('rejects with code stale when every op is older than the last write to its path', async () => {
    const r = await start()
    const a = r.client({ room: 'c4' }, 'a')
    const b = r.client({ room: 'c4' })
    await live(a.store, 'c4')
    await live(b.store, 'c4')
    await b.store.dispatch(confirmed(settings.actions.themeSet('from b')))
    r.gate('a', 'hold')
    const pending = a.store.dispatch(confirmed(settings.actions.themeSet('from a')))
    await eventually(() => expect(a.store.getState().patchwire.sync.c4?.pending).toBe(1))
    // b's next timestamp must come from a later millisecond than a's held one.
    await new Promise((resolve) => setTimeout(resolve, 5))
    await b.store.dispatch(confirmed(settings.actions.themeSet('newer from b')))
    r.gate('a', 'open')
    const err = await rejection(pending)
    expect(err.code).toBe('stale')
    await eventually(() => expect(a.store.getState().settings.theme).toBe('newer from b'))
  })

  it('resolves with its own sequence when the relay dropped some of its ops as stale, showing what it kept', async () => {
    const r = await start()
    const a = r.client({ room: 'c4p' }, 'a')
    const b = r.client({ room: 'c4p' })
    await live(a.store, 'c4p')
    await live(b.store, 'c4p')
    await b.store.dispatch(confirmed(settings.actions.themeSet('from b')))
    r.gate('a', 'hold')
    const ops = [
      { op: 'replace' as const, path: ['settings', 'theme'], value: 'from a' },
      { op: 'replace' as const, path: ['settings', 'lang'], value: 'nl' },
    ]
    const pending = a.store.dispatch(confirmed(applyPatch({ changes: [{ source: 'local', ops }] })))
    await eventually(() => expect(a.store.getState().patchwire.sync.c4p?.pending).toBe(1))
    // b's next timestamp must come from a later millisecond than a's held one.
    await new Promise((resolve) => setTimeout(resolve, 5))
    await b.store.dispatch(confirmed(settings.actions.themeSet('newer from b')))
    r.gate('a', 'open')
    const result = await pending
    // a's change is the room's last: its theme op was dropped, its lang op applied.
    expect(result.seq).toBe(await r.roomHead('c4p'))
    expect((await r.roomState('c4p')).settings).toMatchObject({ theme: 'newer from b', lang: 'nl' })
    await eventually(() => expect(a.store.getState().patchwire.sync.c4p?.pending).toBe(0))
    expect(a.store.getState().settings).toMatchObject({ theme: 'newer from b', lang: 'nl' })
  })

  it('resolves with its own sequence when its answer comes before its relay change and the relay kept only some of its ops', async () => {
    const r = await start()
    const late = lateChanges(r.socketFor())
    const a = r.client({ room: 'c4q', socket: late.socket })
    await live(a.store, 'c4q')
    await eventually(() => expect(a.store.getState().patchwire.sync.c4q?.pending).toBe(0))
    late.hold()
    // Another writer's theme, timestamped ahead of a's clock: a's theme op will be stale.
    const other = r.socketFor({ reconnection: false })
    await new Promise((resolve) =>
      other.emit('join', { room: 'c4q', schemaVersion: 1, clientId: 'other' }, resolve),
    )
    const ts = formatHlc({ wall: Date.now() + 60_000, counter: 0, node: 'other' })
    const theme = { op: 'replace' as const, path: ['settings', 'theme'], value: 'ahead' }
    await new Promise((resolve) =>
      other.emit('push', { room: 'c4q', changes: [{ id: 'other:1', ts, ops: [theme] }] }, resolve),
    )
    const ops = [
      { ...theme, value: 'from a' },
      { op: 'replace' as const, path: ['settings', 'lang'], value: 'nl' },
    ]
    const result = await a.store.dispatch(
      confirmed(applyPatch({ changes: [{ source: 'local', ops }] })),
    )
    expect(result.seq).toBe(await r.roomHead('c4q'))
    expect(a.store.getState().patchwire.sync.c4q?.pending).toBe(0)
    expect(a.store.getState().settings).toMatchObject({ theme: 'ahead', lang: 'nl' })
    late.release()
  })

  it('rejects with code timeout and rolls back when the relay does not answer in time', async () => {
    const r = await start()
    r.gate('slow', 'hold')
    const a = r.client({ room: 'c5' }, 'slow')
    await live(a.store, 'c5')
    const err = await rejection(
      a.store.dispatch(confirmed(settings.actions.themeSet('dark'), { timeoutMs: 50 })),
    )
    expect(err.code).toBe('timeout')
    expect(err.details).toEqual({ ms: 50 })
    expect(a.store.getState().settings.theme).toBe('light')
    expect(a.rejected.at(-1)).toMatchObject({ reason: 'timeout', stage: 'client' })
  })

  it('a write made offline waits in the outbox and is confirmed after the reconnect', async () => {
    const r = await start()
    const a = r.client({ room: 'c6' })
    await live(a.store, 'c6')
    a.socket.disconnect()
    await eventually(() => expect(a.store.getState().patchwire.sync.c6?.connection).toBe('offline'))
    let settled = false
    const pending = Promise.resolve(
      a.store.dispatch(confirmed(todos.actions.added('offline'))),
    ).finally(() => {
      settled = true
    })
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(settled).toBe(false)
    a.socket.connect()
    const result = await pending
    expect(result.seq).toBeGreaterThan(0)
    expect((await r.roomState('c6')).todos).toEqual({ items: ['offline'] })
  })

  it("rejects with code offline and rolls back when asked to with whenOffline: 'reject'", async () => {
    const r = await start()
    const a = r.client({ room: 'c7' })
    await live(a.store, 'c7')
    await eventually(() => expect(a.store.getState().patchwire.sync.c7?.pending).toBe(0))
    a.socket.disconnect()
    await eventually(() => expect(a.store.getState().patchwire.sync.c7?.connection).toBe('offline'))
    const err = await rejection(
      a.store.dispatch(confirmed(todos.actions.added('now or never'), { whenOffline: 'reject' })),
    )
    expect(err.code).toBe('offline')
    expect(a.store.getState().todos.items).toEqual([])
    expect(a.store.getState().patchwire.sync.c7?.pending).toBe(0)
  })

  it("with whenOffline: 'reject', a write waiting for its answer is rejected when the connection drops", async () => {
    const r = await start()
    await seededRoom(r, 'c11')
    r.gate('slow', 'hold')
    const a = r.client({ room: 'c11' }, 'slow')
    await live(a.store, 'c11')
    const write = a.store.dispatch(
      confirmed(settings.actions.themeSet('dark'), { whenOffline: 'reject' }),
    )
    expect(a.store.getState().settings.theme).toBe('dark')
    a.socket.disconnect()
    const err = await rejection(write)
    expect(err.code).toBe('offline')
    expect(a.store.getState().settings.theme).toBe('light')
  })

  it('an action that changes no synced key resolves at once with seq null', async () => {
    const r = await start()
    const a = r.client({ room: 'c8' })
    await live(a.store, 'c8')
    const result = await a.store.dispatch(confirmed(draft.actions.typed('local only')))
    expect(result).toEqual({ seq: null, changes: [] })
    expect(a.store.getState().draft.text).toBe('local only')
  })

  it('a pessimistic write is not visible, even to subscribers, until the relay accepts it', async () => {
    const r = await start()
    r.gate('p', 'hold')
    const a = r.client({ room: 'c9' }, 'p')
    await live(a.store, 'c9')
    const seen: string[] = []
    a.store.subscribe(() => seen.push(a.store.getState().settings.theme))
    const pending = a.store.dispatch(
      confirmed(settings.actions.themeSet('dark'), { optimistic: false }),
    )
    expect(a.store.getState().settings.theme).toBe('light')
    await eventually(() => expect(a.store.getState().patchwire.sync.c9?.pending).toBe(1))
    expect(a.store.getState().settings.theme).toBe('light')
    r.gate('p', 'open')
    const { seq } = await pending
    await eventually(() => expect(a.store.getState().settings.theme).toBe('dark'))
    expect(seen.indexOf('dark')).toBeGreaterThan(-1)
    expect(seen.slice(0, seen.indexOf('dark')).every((theme) => theme === 'light')).toBe(true)
    expect(seq).toBeGreaterThan(0)
  })

  it('a refused pessimistic write never shows', async () => {
    const r = await start()
    r.gate('p', 'deny')
    await seededRoom(r, 'c10')
    const a = r.client({ room: 'c10' }, 'p')
    await live(a.store, 'c10')
    const seen: string[] = []
    a.store.subscribe(() => seen.push(a.store.getState().settings.theme))
    const err = await rejection(
      a.store.dispatch(confirmed(settings.actions.themeSet('dark'), { optimistic: false })),
    )
    expect(err.code).toBe('forbidden')
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(seen).not.toContain('dark')
    expect(a.store.getState().settings.theme).toBe('light')
  })

  it('refuses bad options at the call, naming the option', () => {
    expect(() => confirmed(todos.actions.added('x'), { timeoutMs: 0 })).toThrow(/timeoutMs/)
    expect(() => confirmed(todos.actions.added('x'), { whenOffline: 'later' as 'wait' })).toThrow(
      /whenOffline/,
    )
  })
})

describe('confirmed writes across rooms', () => {
  it('an action that writes two rooms resolves once both relays accepted their change', async () => {
    const r = await start()
    const todosSync = sync({ room: 'm-todos', allowKeys: ['todos'], socket: r.socketFor() })
    const settingsSync = sync({
      room: 'm-settings',
      allowKeys: ['settings'],
      socket: r.socketFor(),
    })
    const store = makeStore([todosSync.middleware, settingsSync.middleware])
    try {
      await live(store, 'm-todos')
      await live(store, 'm-settings')
      const both = applyPatch({
        changes: [
          {
            source: 'local',
            ops: [
              { op: 'add', path: ['todos', 'items', '-'], value: 'shared' },
              { op: 'replace', path: ['settings', 'theme'], value: 'dark' },
            ],
          },
        ],
      })
      const result = await store.dispatch(confirmed(both))
      expect(result.changes.map((c) => c.room).sort()).toEqual(['m-settings', 'm-todos'])
      expect((await r.roomState('m-todos')).todos).toEqual({ items: ['shared'] })
      expect((await r.roomState('m-settings')).settings).toMatchObject({ theme: 'dark' })
    } finally {
      todosSync.stop()
      settingsSync.stop()
    }
  })
})

describe('confirmed writes and failing reducers', () => {
  it('a pessimistic action whose reducer throws does not hide the changes of later dispatches', async () => {
    const r = await start()
    const boom = createSlice({
      name: 'boom',
      initialState: 0,
      reducers: {
        explode() {
          throw new Error('boom')
        },
      },
    })
    const mw = sync({ room: 'f1', allowKeys: ['todos'], socket: r.socketFor() })
    const store = configureStore({
      reducer: withPatchwire({
        todos: todos.reducer,
        boom: boom.reducer,
        [PATCHWIRE_KEY]: patchwireReducer,
      }),
      middleware: (gDM) => gDM().concat(patchwireMiddleware(), mw.middleware),
    })
    try {
      await eventually(() => expect(store.getState().patchwire.sync.f1?.connection).toBe('live'))
      expect(() =>
        store.dispatch(confirmed(boom.actions.explode(), { optimistic: false })),
      ).toThrow('boom')
      await Promise.resolve()
      store.dispatch(todos.actions.added('later'))
      expect(store.getState().todos.items).toEqual(['later'])
      await eventually(() => expect(store.getState().patchwire.sync.f1?.pending).toBe(0))
    } finally {
      mw.stop()
    }
  })
})
