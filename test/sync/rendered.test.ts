import { configureStore, type Middleware } from '@reduxjs/toolkit'
import { afterEach, describe, expect, it } from 'vitest'
import type { RenderedRoom } from '../../middleware/sync/types'
import type { ReadAnswer } from '../../server/relay/types'
import {
  applyPatch,
  createMemoryStorage,
  PATCHWIRE_KEY,
  type PersistStorage,
  patchwireMiddleware,
  patchwireReducer,
  persist,
  sync,
  withPatchwire,
} from '../../src/index'
import type { JoinRequest } from '../../src/protocol'
import {
  type ClientSocket,
  draft,
  eventually,
  live,
  settings,
  startRelay,
  synced,
  todos,
} from './helpers'

let relay: Awaited<ReturnType<typeof startRelay>> | undefined
const stops: (() => unknown)[] = []
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop()
  await relay?.stop()
  relay = undefined
})

const ROOM = 'ssr'

/** What the relay answered each join of `room` with. */
function servedJoins(r: NonNullable<typeof relay>, room = ROOM): ReadAnswer[] {
  const answers: ReadAnswer[] = []
  r.relay.observe({
    served: (served, request, answer) => {
      if (served === room && request === 'join') answers.push(answer)
    },
  })
  return answers
}

/** The join requests a socket sent. */
function joinsOf(socket: ClientSocket): JoinRequest[] {
  const joins: JoinRequest[] = []
  socket.onAnyOutgoing((event, req) => {
    if (event === 'join') joins.push(req as JoinRequest)
  })
  return joins
}

/** The sequence numbers of the relay changes a store applied, in order. */
function appliedSeqs(): { seqs: number[]; middleware: Middleware } {
  const seqs: number[] = []
  return {
    seqs,
    middleware: () => (next) => (action) => {
      if (applyPatch.match(action)) {
        for (const c of action.payload.changes) if (c.source === 'sync' && c.seq) seqs.push(c.seq)
      }
      return next(action)
    },
  }
}

/** A page load: a store preloaded with what the server rendered, syncing from there. */
function hydrate(
  socket: ClientSocket,
  preloaded: Record<string, unknown>,
  options: { rendered?: RenderedRoom; storage?: PersistStorage; clientId?: string } = {},
) {
  const seen = appliedSeqs()
  const mw = sync({
    room: ROOM,
    allowKeys: ['todos', 'settings'],
    socket,
    ...(options.rendered ? { rendered: options.rendered } : {}),
    ...(options.clientId ? { clientId: options.clientId } : {}),
  })
  const saver = options.storage
    ? persist({ storage: options.storage, key: 'app', debounceMs: 10 })
    : undefined
  const store = configureStore({
    reducer: withPatchwire({
      todos: todos.reducer,
      settings: settings.reducer,
      draft: draft.reducer,
      [PATCHWIRE_KEY]: patchwireReducer,
    }),
    preloadedState: preloaded as never,
    middleware: (gDM) =>
      gDM()
        .prepend(...(saver ? [saver.middleware] : []))
        .concat(seen.middleware, patchwireMiddleware(), mw.middleware),
  })
  stops.push(async () => {
    if (saver) await saver.stop()
    mw.stop()
  })
  return { store, mw, saver, seqs: seen.seqs }
}

/** A writer that fills the room; returns the relay's state and sequence. */
async function filledRoom(r: NonNullable<typeof relay>, items: string[]) {
  const writer = r.client({ room: ROOM })
  await live(writer.store, ROOM)
  for (const item of items) writer.store.dispatch(todos.actions.added(item))
  await eventually(() => expect(writer.store.getState().patchwire.sync[ROOM]?.pending).toBe(0))
  return writer
}

const addTodo = (text: string) => [{ op: 'add', path: ['todos', 'items', '-'], value: text }]

describe('sync rendered (server-side rendering hand-off)', () => {
  it('a client started from the rendered room joins since its seq and is served no snapshot', async () => {
    relay = await startRelay()
    const r = relay
    await filledRoom(r, ['a', 'b'])
    const room = await r.relay.read(ROOM)
    const answers = servedJoins(r)
    const socket = r.socketFor()
    const joins = joinsOf(socket)

    const page = hydrate(socket, room.state, { rendered: room })
    await live(page.store, ROOM)

    expect(joins.map((j) => j.since)).toEqual([room.seq])
    expect(answers).toEqual(['changes'])
    expect(synced(page.store)).toEqual(await r.roomState(ROOM))
  })

  it('a render in another process reads the room from GET /rooms/:room/snapshot and the client joins since its seq', async () => {
    relay = await startRelay()
    const r = relay
    await filledRoom(r, ['a', 'b'])
    const res = await fetch(`${r.url}/rooms/${encodeURIComponent(ROOM)}/snapshot`)
    const room = (await res.json()) as { seq: number; state: Record<string, unknown> }
    await r.relay.write(ROOM, addTodo('c'), { origin: 'api' })
    const answers = servedJoins(r)

    const page = hydrate(r.socketFor(), room.state, { rendered: { seq: room.seq } })
    await eventually(() => expect(page.store.getState().todos.items).toEqual(['a', 'b', 'c']))

    expect(answers).toEqual(['changes'])
    expect(synced(page.store)).toEqual(await r.roomState(ROOM))
  })

  it('changes written between the render and the hydration are applied once each, in order', async () => {
    relay = await startRelay()
    const r = relay
    await filledRoom(r, ['a'])
    const room = await r.relay.read(ROOM)
    for (const text of ['x', 'y', 'z']) await r.relay.write(ROOM, addTodo(text), { origin: 'api' })
    const head = (await r.relay.read(ROOM)).seq

    const page = hydrate(r.socketFor(), room.state, { rendered: room })
    await eventually(() => expect(page.store.getState().patchwire.sync[ROOM]?.lastSeq).toBe(head))

    expect(page.store.getState().todos.items).toEqual(['a', 'x', 'y', 'z'])
    expect(page.seqs).toEqual([room.seq + 1, room.seq + 2, room.seq + 3])
    expect(synced(page.store)).toEqual(await r.roomState(ROOM))
  })

  it('without state it takes the store’s preloaded synced keys as the room at that seq', async () => {
    relay = await startRelay()
    const r = relay
    await filledRoom(r, ['a', 'b'])
    const room = await r.relay.read(ROOM)
    await r.relay.write(ROOM, addTodo('later'), { origin: 'api' })
    const answers = servedJoins(r)

    const page = hydrate(r.socketFor(), room.state, { rendered: { seq: room.seq } })
    await eventually(() => expect(page.store.getState().todos.items).toEqual(['a', 'b', 'later']))
    expect(answers).toEqual(['changes'])
    expect(synced(page.store)).toEqual(await r.roomState(ROOM))
  })

  it('a client with a fixed id continues its ids after what the relay holds and its writes are stored', async () => {
    relay = await startRelay()
    const r = relay
    const before = r.client({ room: ROOM, clientId: 'kiosk1' })
    await live(before.store, ROOM)
    before.store.dispatch(todos.actions.added('first'))
    await eventually(() => expect(before.store.getState().patchwire.sync[ROOM]?.pending).toBe(0))
    before.mw.stop()
    before.socket.disconnect()
    const room = await r.relay.read(ROOM)

    const socket = r.socketFor()
    const joins = joinsOf(socket)
    const page = hydrate(socket, room.state, { rendered: room, clientId: 'kiosk1' })
    await live(page.store, ROOM)
    expect(joins.map((j) => j.since)).toEqual([room.seq])
    page.store.dispatch(todos.actions.added('second'))
    await eventually(() => expect(page.store.getState().patchwire.sync[ROOM]?.pending).toBe(0))

    expect(((await r.roomState(ROOM)).todos as { items: string[] }).items).toEqual([
      'first',
      'second',
    ])
    expect(synced(page.store)).toEqual(await r.roomState(ROOM))
  })

  it('a persisted copy of the room newer than the render wins: the client joins since its seq', async () => {
    relay = await startRelay()
    const r = relay
    const writer = await filledRoom(r, ['a'])
    const rendered = await r.relay.read(ROOM)
    const storage = createMemoryStorage()
    const earlier = hydrate(r.socketFor(), rendered.state, { storage })
    await live(earlier.store, ROOM)
    writer.store.dispatch(todos.actions.added('b'))
    const persisted = (await r.relay.read(ROOM)).seq
    await eventually(() =>
      expect(earlier.store.getState().patchwire.sync[ROOM]?.lastSeq).toBe(persisted),
    )
    await earlier.saver?.flush()
    for (const stop of stops.splice(0)) await stop()

    const answers = servedJoins(r)
    const socket = r.socketFor()
    const joins = joinsOf(socket)
    const page = hydrate(socket, rendered.state, { rendered, storage })
    await live(page.store, ROOM)

    expect(joins.map((j) => j.since)).toEqual([persisted])
    expect(answers).toEqual(['changes'])
    expect(page.store.getState().todos.items).toEqual(['a', 'b'])
  })

  it('a render newer than the persisted copy wins and the persisted offline edit is still pushed once', async () => {
    relay = await startRelay()
    const r = relay
    await filledRoom(r, ['a'])
    const storage = createMemoryStorage()
    const offlineSocket = r.socketFor()
    const earlier = hydrate(offlineSocket, {}, { storage })
    await live(earlier.store, ROOM)
    offlineSocket.disconnect()
    earlier.store.dispatch(todos.actions.added('offline'))
    await earlier.saver?.flush()
    for (const stop of stops.splice(0)) await stop()
    await r.relay.write(ROOM, addTodo('b'), { origin: 'api' })
    const rendered = await r.relay.read(ROOM)

    const answers = servedJoins(r)
    const socket = r.socketFor()
    const joins = joinsOf(socket)
    const page = hydrate(socket, rendered.state, { rendered, storage })
    await eventually(() => expect(page.store.getState().patchwire.sync[ROOM]?.pending).toBe(0))

    expect(joins.map((j) => j.since)).toEqual([rendered.seq])
    expect(answers).toEqual(['changes'])
    expect(((await r.roomState(ROOM)).todos as { items: string[] }).items).toEqual([
      'a',
      'b',
      'offline',
    ])
    expect(synced(page.store)).toEqual(await r.roomState(ROOM))
  })

  it('rendered in peer mode throws at setup naming the option', () => {
    expect(() =>
      sync({ room: ROOM, allowKeys: ['todos'], mode: 'peer', rendered: { seq: 1 } }),
    ).toThrow(/sync: rendered must be undefined in mode 'peer'/)
  })

  it('a rendered seq that is not an integer >= 0 throws at setup naming the option', () => {
    const socket = {} as ClientSocket
    expect(() => sync({ room: ROOM, allowKeys: ['todos'], socket, rendered: { seq: -1 } })).toThrow(
      /sync: rendered\.seq must be an integer >= 0, received number -1/,
    )
  })
})
