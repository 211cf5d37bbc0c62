import { io } from 'socket.io-client'
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { sync } from '../../middleware/sync/sync'
import { createRelay } from '../../server/createRelay'
import { memoryStore } from '../../server/store/memoryStore'
import type { RelayStore } from '../../server/store/types'
import { applyPatch } from '../../src/actions'
import {
  type ClientSocket,
  draft,
  eventually,
  live,
  makeStore,
  settings,
  startRelay,
  synced,
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

describe('sync through a real relay', () => {
  it('two stores editing different and the same paths concurrently converge', async () => {
    const r = await start()
    const a = r.client({ room: 'r1' })
    await live(a.store, 'r1')
    const b = r.client({ room: 'r1' })
    await live(b.store, 'r1')
    a.store.dispatch(settings.actions.themeSet('dark'))
    b.store.dispatch(settings.actions.langSet('fr'))
    a.store.dispatch(settings.actions.fieldSet({ key: 'x', value: 1 }))
    b.store.dispatch(settings.actions.fieldSet({ key: 'x', value: 2 }))
    await eventually(() => {
      expect(synced(a.store)).toEqual(synced(b.store))
      expect(a.store.getState().patchwire.sync.r1?.pending).toBe(0)
      expect(b.store.getState().patchwire.sync.r1?.pending).toBe(0)
    })
    const room = await r.roomState('r1')
    expect(synced(a.store)).toEqual(room)
    expect(a.store.getState().settings).toMatchObject({ theme: 'dark', lang: 'fr' })
    expect([1, 2]).toContain(a.store.getState().settings.fields.x)
  })

  it('keeps both of two concurrent appends to one array, in the same order everywhere', async () => {
    const r = await start()
    const a = r.client({ room: 'r2' })
    const b = r.client({ room: 'r2' })
    await live(a.store, 'r2')
    await live(b.store, 'r2')
    a.store.dispatch(todos.actions.added('from a'))
    b.store.dispatch(todos.actions.added('from b'))
    await eventually(() => {
      expect(a.store.getState().todos.items).toHaveLength(2)
      expect(b.store.getState().todos.items).toEqual(a.store.getState().todos.items)
    })
    expect([...a.store.getState().todos.items].sort()).toEqual(['from a', 'from b'])
  })

  it('a store that joins late catches up from the log', async () => {
    const r = await start()
    const a = r.client({ room: 'r3' })
    await live(a.store, 'r3')
    for (let i = 0; i < 5; i++) a.store.dispatch(todos.actions.added(`t${i}`))
    await eventually(() => expect(a.store.getState().patchwire.sync.r3?.pending).toBe(0))
    const late = r.client({ room: 'r3' })
    await eventually(() =>
      expect(late.store.getState().todos.items).toEqual(['t0', 't1', 't2', 't3', 't4']),
    )
    expect(synced(late.store)).toEqual(synced(a.store))
  })

  it('edits made offline are pushed on reconnect, none lost and none doubled', async () => {
    const r = await start()
    const a = r.client({ room: 'r4' })
    const b = r.client({ room: 'r4' })
    await live(a.store, 'r4')
    await live(b.store, 'r4')
    a.socket.disconnect()
    await eventually(() => expect(a.store.getState().patchwire.sync.r4?.connection).toBe('offline'))
    a.store.dispatch(todos.actions.added('offline 1'))
    a.store.dispatch(todos.actions.added('offline 2'))
    b.store.dispatch(todos.actions.added('online'))
    expect(a.store.getState().patchwire.sync.r4?.pending).toBeGreaterThanOrEqual(0)
    await eventually(() => expect(b.store.getState().todos.items).toEqual(['online']))
    a.socket.connect()
    await eventually(() => {
      expect(b.store.getState().todos.items).toHaveLength(3)
      expect(a.store.getState().todos.items).toEqual(b.store.getState().todos.items)
    })
    expect([...b.store.getState().todos.items].sort()).toEqual(['offline 1', 'offline 2', 'online'])
    expect(await r.roomState('r4')).toEqual(synced(a.store))
  })

  it('a dropped transport reconnects by itself and re-pushes what was pending exactly once', async () => {
    const r = await start()
    const lost: string[] = []
    const a = r.client({ room: 'r5', onConnectionLost: (info) => lost.push(info.reason) })
    await live(a.store, 'r5')
    a.store.dispatch(todos.actions.added('before drop'))
    // Kill the underlying connection as a network failure would: socket.io-client reconnects.
    a.socket.io.engine.close()
    a.store.dispatch(todos.actions.added('during drop'))
    await eventually(() => expect(lost).toHaveLength(1))
    await eventually(() => {
      expect(a.store.getState().patchwire.sync.r5).toMatchObject({ connection: 'live', pending: 0 })
    })
    expect((await r.roomState('r5')).todos).toEqual({ items: ['before drop', 'during drop'] })
  })

  it('a change the relay schema refuses is rolled back and reported as patchRejected', async () => {
    const Room = z.object({
      todos: z.object({ items: z.array(z.string()) }),
      settings: z.object({
        theme: z.string().min(1),
        lang: z.string(),
        fields: z.record(z.string(), z.number()),
      }),
    })
    const r = await start({ schema: () => Room })
    const a = r.client({ room: 'r6' })
    await live(a.store, 'r6')
    a.store.dispatch(settings.actions.themeSet(''))
    expect(a.store.getState().settings.theme).toBe('')
    await eventually(() => expect(a.rejected).toHaveLength(1))
    expect(a.rejected[0]).toMatchObject({ reason: 'schema', stage: 'relay', source: 'local' })
    expect(a.store.getState().settings.theme).toBe('light')
    expect(a.store.getState().patchwire.counters.rejected).toBe(1)
  })

  it('a read-only store applies the room but never pushes', async () => {
    const r = await start()
    const a = r.client({ room: 'r7' })
    await live(a.store, 'r7')
    const reader = r.client({ room: 'r7', mode: 'readOnly' })
    const pushes: unknown[] = []
    reader.socket.onAnyOutgoing((event, payload) => {
      if (event === 'push') pushes.push(payload)
    })
    await live(reader.store, 'r7')
    reader.store.dispatch(todos.actions.added('local only'))
    a.store.dispatch(todos.actions.added('shared'))
    await eventually(() =>
      expect(reader.store.getState().todos.items).toEqual(['local only', 'shared']),
    )
    expect(pushes).toEqual([])
    expect((await r.roomState('r7')).todos).toEqual({ items: ['shared'] })
  })

  it('never echoes changes that came from sync, persist or stream', async () => {
    const r = await start()
    const a = r.client({ room: 'r8' })
    const b = r.client({ room: 'r8' })
    await live(a.store, 'r8')
    await live(b.store, 'r8')
    const pushes: unknown[] = []
    b.socket.onAnyOutgoing((event, payload) => {
      if (event === 'push') pushes.push(payload)
    })
    a.store.dispatch(todos.actions.added('from a'))
    await eventually(() => expect(b.store.getState().todos.items).toEqual(['from a']))
    for (const source of ['persist', 'stream', 'sync'] as const) {
      b.store.dispatch(
        applyPatch({
          changes: [
            { source, ops: [{ op: 'replace', path: ['settings', 'lang'], value: source }] },
          ],
        }),
      )
    }
    expect(b.store.getState().settings.lang).toBe('sync')
    // A local edit afterwards is pushed, and is the only push b ever made.
    b.store.dispatch(draft.actions.typed('not synced'))
    b.store.dispatch(todos.actions.added('from b'))
    await eventually(() => expect(a.store.getState().todos.items).toEqual(['from a', 'from b']))
    expect(pushes).toHaveLength(1)
    expect(await r.roomState('r8')).not.toHaveProperty('draft')
  })

  it('a schema major the relay does not hold is reported and nothing is applied', async () => {
    const r = await start({ schemaVersion: 2 })
    const a = r.client({ room: 'r9', schemaVersion: '1.4' })
    await eventually(() => expect(a.store.getState().patchwire.counters.schemaSkews).toBe(1))
    expect(a.store.getState().patchwire.sync.r9).toMatchObject({ connection: 'offline' })
    expect(a.store.getState().patchwire.sync.r9?.lastError).toMatch(/skew/)
    const b = r.client({ room: 'r9', schemaVersion: 2 })
    await live(b.store, 'r9')
    b.store.dispatch(todos.actions.added('v2 data'))
    await eventually(() => expect(b.store.getState().patchwire.sync.r9?.pending).toBe(0))
    expect(a.store.getState().todos.items).toEqual([])
  })

  it('a write older than the last write to its path is dropped as stale and rolled back', async () => {
    const r = await start()
    const a = r.client({ room: 's1' })
    const b = r.client({ room: 's1' })
    await live(a.store, 's1')
    await live(b.store, 's1')
    b.socket.disconnect()
    b.store.dispatch(settings.actions.themeSet('older'))
    await new Promise((resolve) => setTimeout(resolve, 3))
    a.store.dispatch(settings.actions.themeSet('newer'))
    await eventually(() => expect(a.store.getState().patchwire.sync.s1?.pending).toBe(0))
    b.socket.connect()
    await eventually(() => expect(b.rejected).toHaveLength(1))
    expect(b.rejected[0]).toMatchObject({ reason: 'stale', stage: 'relay' })
    await eventually(() => expect(b.store.getState().settings.theme).toBe('newer'))
    expect(b.store.getState().patchwire.counters.ignoredStale).toBe(1)
  })

  it('a newer write to a map entry wins over an older removal of it that reached the relay first', async () => {
    const r = await start()
    const a = r.client({ room: 's3' })
    const b = r.client({ room: 's3' })
    await live(a.store, 's3')
    await live(b.store, 's3')
    a.store.dispatch(settings.actions.fieldSet({ key: 'k', value: 1 }))
    await eventually(() => expect(b.store.getState().settings.fields).toEqual({ k: 1 }))
    b.socket.disconnect()
    await eventually(() => expect(b.store.getState().patchwire.sync.s3?.connection).toBe('offline'))
    // The removal is stamped first and reaches the relay first.
    a.store.dispatch(
      applyPatch({
        changes: [{ source: 'local', ops: [{ op: 'remove', path: ['settings', 'fields', 'k'] }] }],
      }),
    )
    await eventually(() => expect(a.store.getState().patchwire.sync.s3?.pending).toBe(0))
    await new Promise((resolve) => setTimeout(resolve, 3))
    // The later write, made offline on a store that still has the entry, arrives after it.
    b.store.dispatch(settings.actions.fieldSet({ key: 'k', value: 2 }))
    b.socket.connect()
    await eventually(() => {
      expect(b.store.getState().patchwire.sync.s3?.pending).toBe(0)
      expect(a.store.getState().settings.fields).toEqual({ k: 2 })
    })
    expect(b.store.getState().settings.fields).toEqual({ k: 2 })
    expect(b.rejected).toEqual([])
    expect(b.store.getState().patchwire.counters.rejected).toBe(0)
    expect(await r.roomState('s3')).toEqual(synced(b.store))
  })

  it('the stale ops of a change are counted while its other ops apply', async () => {
    const r = await start()
    const a = r.client({ room: 's2' })
    const b = r.client({ room: 's2' })
    await live(a.store, 's2')
    await live(b.store, 's2')
    b.socket.disconnect()
    b.store.dispatch(
      applyPatch({
        changes: [
          {
            source: 'local',
            ops: [
              { op: 'replace', path: ['settings', 'theme'], value: 'older' },
              { op: 'replace', path: ['settings', 'lang'], value: 'nl' },
            ],
          },
        ],
      }),
    )
    await new Promise((resolve) => setTimeout(resolve, 3))
    a.store.dispatch(settings.actions.themeSet('newer'))
    await eventually(() => expect(a.store.getState().patchwire.sync.s2?.pending).toBe(0))
    b.socket.connect()
    await eventually(() => {
      expect(b.store.getState().patchwire.counters.ignoredStale).toBe(1)
      expect(a.store.getState().settings).toMatchObject({ theme: 'newer', lang: 'nl' })
      expect(b.store.getState().settings).toMatchObject({ theme: 'newer', lang: 'nl' })
    })
    expect(b.rejected).toEqual([])
  })

  it('reconnects by itself when a relay that is shutting down drops the socket', async () => {
    const r = await start()
    const lost: string[] = []
    const a = r.client({ room: 'g1', onConnectionLost: (info) => lost.push(info.reason) })
    await live(a.store, 'g1')
    for (const socket of r.relay.io.of('/').sockets.values()) {
      socket.emit('goodbye', { reason: 'shutdown', message: 'restarting' })
      socket.disconnect(true)
    }
    await eventually(() => expect(lost).toEqual(['shutdown']))
    a.store.dispatch(todos.actions.added('after the restart'))
    await eventually(() =>
      expect(a.store.getState().patchwire.sync.g1).toMatchObject({
        connection: 'live',
        pending: 0,
      }),
    )
    expect((await r.roomState('g1')).todos).toEqual({ items: ['after the restart'] })
  })

  it('reconnects by itself when its reconnection reaches a relay that is still shutting down', async () => {
    // The relay's store holds one append back, so closing waits for it: the window
    // in which a relay restarting under its clients is still listening.
    let release: () => void = () => {}
    const held = new Promise<void>((r) => {
      release = r
    })
    let reachedAppend: () => void = () => {}
    const atAppend = new Promise<void>((r) => {
      reachedAppend = r
    })
    const store = memoryStore()
    const gated: RelayStore = {
      ...store,
      appendMany: async (...args) => {
        if (args[2].some((c) => c.ops.some((op) => op.value === 'held'))) {
          reachedAppend()
          await held
        }
        return store.appendMany!(...args)
      },
    }
    const r = await start({ store: gated, closeStore: false })
    const a = r.client({ room: 'c1' })
    await live(a.store, 'c1')
    a.store.dispatch(todos.actions.added('held'))
    await atAppend
    const port = Number(new URL(r.url).port)
    const closed = r.relay.close()

    const b = r.client({ room: 'c1' })
    await new Promise((resolve) => {
      b.socket.once('connect_error', resolve)
      b.socket.once('disconnect', resolve)
    })
    b.store.dispatch(todos.actions.added('from b'))
    release()
    await closed
    // The relay is back on its port, on the same store.
    const again = createRelay({ store })
    try {
      await again.listen(port, '127.0.0.1')
      await eventually(() => {
        expect(b.store.getState().patchwire.sync.c1).toMatchObject({
          connection: 'live',
          pending: 0,
        })
      }, 20_000)
      expect(b.rejected).toEqual([])
      expect(b.store.getState().todos.items).toEqual(['held', 'from b'])
    } finally {
      await r.stop()
      await again.close()
    }
  })

  it('splits an offline queue the relay finds too large into smaller pushes', async () => {
    const r = await start({ limits: { maxPayloadBytes: 4000 } })
    const a = r.client({ room: 'l1' })
    await live(a.store, 'l1')
    a.socket.disconnect()
    const long = 'x'.repeat(300)
    for (let i = 0; i < 20; i++) a.store.dispatch(todos.actions.added(`${i}:${long}`))
    a.socket.connect()
    await eventually(() =>
      expect(a.store.getState().patchwire.sync.l1).toMatchObject({
        connection: 'live',
        pending: 0,
      }),
    )
    const items = ((await r.roomState('l1')).todos as { items: string[] }).items
    expect(items.map((t) => t.split(':')[0])).toEqual(Array.from({ length: 20 }, (_, i) => `${i}`))
    expect(a.rejected).toEqual([])
  })

  it('ignores malformed change events from the relay and keeps applying valid ones', async () => {
    const r = await start()
    const a = r.client({ room: 'm1' })
    const b = r.client({ room: 'm1' })
    await live(a.store, 'm1')
    await live(b.store, 'm1')
    const before = synced(b.store)
    r.relay.io.to('m1').emit('change', { room: 'm1', seq: 'x', ops: 'nope' } as never)
    r.relay.io.to('m1').emit('change', {
      room: 'm1',
      seq: 1_000,
      id: 'evil:1',
      origin: 'evil',
      ts: 'x',
      ops: [{ op: 'add', path: 7 }],
    } as never)
    expect(synced(b.store)).toEqual(before)
    a.store.dispatch(todos.actions.added('still fine'))
    await eventually(() => expect(b.store.getState().todos.items).toEqual(['still fine']))
    expect(b.store.getState().patchwire.counters.gaps).toBe(0)
  })

  it('reports a relay it cannot reach in the status', async () => {
    const socket: ClientSocket = io('http://127.0.0.1:1', {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    })
    const mw = sync({ room: 'n1', allowKeys: ['todos'], socket })
    const store = makeStore([mw.middleware])
    try {
      await eventually(() =>
        expect(store.getState().patchwire.sync.n1?.lastError).toMatch(/cannot reach the relay/),
      )
      expect(store.getState().patchwire.sync.n1?.connection).toBe('offline')
    } finally {
      mw.stop()
      socket.disconnect()
    }
  })

  it('syncs a dotted path and keeps its siblings local', async () => {
    const r = await start()
    const a = r.client({ room: 'p1', allowKeys: ['settings.theme'] })
    const b = r.client({ room: 'p1', allowKeys: ['settings.theme'] })
    await live(a.store, 'p1')
    await live(b.store, 'p1')
    a.store.dispatch(settings.actions.themeSet('dark'))
    a.store.dispatch(settings.actions.langSet('fr'))
    a.store.dispatch(todos.actions.added('local'))
    await eventually(() => expect(b.store.getState().settings.theme).toBe('dark'))
    expect(b.store.getState().settings.lang).toBe('en')
    expect(b.store.getState().todos.items).toEqual([])
    await eventually(() => expect(a.store.getState().patchwire.sync.p1?.pending).toBe(0))
    expect(await r.roomState('p1')).toEqual({ settings: { theme: 'dark' } })
  })

  it('drains a long offline queue through the relay rate limit without losing a change', async () => {
    const r = await start({ limits: { changesPerSecond: 50 } })
    const a = r.client({ room: 'q1' })
    await live(a.store, 'q1')
    a.socket.disconnect()
    for (let i = 0; i < 150; i++) a.store.dispatch(todos.actions.added(`${i}`))
    a.socket.connect()
    await eventually(
      () =>
        expect(a.store.getState().patchwire.sync.q1).toMatchObject({
          connection: 'live',
          pending: 0,
        }),
      20_000,
    )
    const items = ((await r.roomState('q1')).todos as { items: string[] }).items
    expect(items).toEqual(Array.from({ length: 150 }, (_, i) => `${i}`))
    expect(a.rejected).toEqual([])
  })
})

describe('sync status', () => {
  it('a room seed, stamped with the oldest timestamp, does not show as delivery lag', async () => {
    const r = await start()
    const a = r.client({ room: 'lag1' })
    await live(a.store, 'lag1')
    await eventually(() =>
      expect(a.store.getState().patchwire.sync.lag1?.lastSeq).toBeGreaterThan(0),
    )
    expect(a.store.getState().patchwire.sync.lag1?.lagMs).toBeNull()
    a.store.dispatch(settings.actions.themeSet('dark'))
    const b = r.client({ room: 'lag1' })
    await live(b.store, 'lag1')
    b.store.dispatch(settings.actions.langSet('fr'))
    await eventually(() =>
      expect(a.store.getState().patchwire.sync.lag1?.lagMs).toEqual(expect.any(Number)),
    )
  })
})
