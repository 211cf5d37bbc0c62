import { Adapter } from 'socket.io-adapter'
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createRelay } from '../../server/createRelay'
import type { RelayOptions } from '../../server/relay/types'
import { memoryStore } from '../../server/store/memoryStore'
import { ask, collectChanges, startRelay, ts, until } from './helpers'

type Started = Awaited<ReturnType<typeof startRelay>>
let running: Started[] = []
const start = async (options: RelayOptions = {}) => {
  const r = await startRelay(options)
  running.push(r)
  return r
}
afterEach(async () => {
  await Promise.all(running.map((r) => r.stop()))
  running = []
})

const T0 = Date.now()

describe('createRelay rooms and ordering', () => {
  it('assigns consecutive sequences and broadcasts every applied change to the room in order', async () => {
    const { connect } = await start()
    const a = await connect()
    const b = await connect()
    await ask(a, 'join', { room: 'r', clientId: 'a', schemaVersion: 1 })
    await ask(b, 'join', { room: 'r', clientId: 'b', schemaVersion: 1 })
    const seenByB = collectChanges(b)
    const ack = await ask(a, 'push', {
      room: 'r',
      changes: [
        { id: 'a:1', ts: ts(T0, 'a'), ops: [{ op: 'add', path: ['x'], value: 1 }] },
        { id: 'a:2', ts: ts(T0 + 1, 'a'), ops: [{ op: 'add', path: ['y'], value: 2 }] },
      ],
    })
    expect(ack).toEqual({
      ok: true,
      results: [
        { id: 'a:1', seq: 1 },
        { id: 'a:2', seq: 2 },
      ],
    })
    await until(() => seenByB.length === 2)
    expect(seenByB.map((c) => [c.seq, c.id, c.origin, c.ops])).toEqual([
      [1, 'a:1', 'a', [{ op: 'add', path: ['x'], value: 1 }]],
      [2, 'a:2', 'a', [{ op: 'add', path: ['y'], value: 2 }]],
    ])
  })

  it('does not send a room’s changes to sockets that joined another room', async () => {
    const { connect } = await start()
    const a = await connect()
    const other = await connect()
    await ask(a, 'join', { room: 'r', clientId: 'a', schemaVersion: 1 })
    await ask(other, 'join', { room: 'elsewhere', clientId: 'o', schemaVersion: 1 })
    const seen = collectChanges(other)
    await ask(a, 'push', {
      room: 'r',
      changes: [{ id: 'a:1', ts: ts(T0, 'a'), ops: [{ op: 'add', path: ['x'], value: 1 }] }],
    })
    await ask(other, 'push', {
      room: 'elsewhere',
      changes: [{ id: 'o:1', ts: ts(T0, 'o'), ops: [{ op: 'add', path: ['y'], value: 1 }] }],
    })
    await until(() => seen.length === 1)
    expect(seen.map((c) => c.room)).toEqual(['elsewhere'])
  })

  it('a first join receives the room state as a snapshot with its sequence', async () => {
    const { connect } = await start()
    const a = await connect()
    await ask(a, 'join', { room: 'r', clientId: 'a', schemaVersion: 1 })
    await ask(a, 'push', {
      room: 'r',
      changes: [
        { id: 'a:1', ts: ts(T0, 'a'), ops: [{ op: 'add', path: ['todos'], value: ['milk'] }] },
      ],
    })
    const late = await connect()
    const join = await ask(late, 'join', { room: 'r', clientId: 'late', schemaVersion: 1 })
    expect(join).toEqual({
      ok: true,
      room: 'r',
      seq: 1,
      snapshot: { todos: ['milk'] },
      changes: [],
      client: { id: 'late', counter: 0 },
      limits: { maxChangesPerPush: 100, maxPayloadBytes: 1_000_000 },
    })
  })

  it('a join tells the client the greatest counter the room holds for its client id', async () => {
    const { connect } = await start()
    const a = await connect()
    await ask(a, 'join', { room: 'r', clientId: 'a', schemaVersion: 1 })
    await ask(a, 'push', {
      room: 'r',
      changes: [
        { id: 'a:1', ts: ts(T0, 'a'), ops: [{ op: 'add', path: ['x'], value: 1 }] },
        { id: 'a:7', ts: ts(T0 + 1, 'a'), ops: [{ op: 'add', path: ['y'], value: 1 }] },
      ],
    })
    a.disconnect()
    const again = await connect()
    const join = await ask(again, 'join', { room: 'r', clientId: 'a', schemaVersion: 1 })
    expect(join).toMatchObject({ ok: true, client: { id: 'a', counter: 7 } })
  })
})

describe('createRelay apply-only-if-newer', () => {
  const setup = async () => {
    const { connect } = await start()
    const a = await connect()
    await ask(a, 'join', { room: 'r', clientId: 'a', schemaVersion: 1 })
    await ask(a, 'push', {
      room: 'r',
      changes: [
        {
          id: 'a:1',
          ts: ts(T0 + 100, 'a'),
          ops: [{ op: 'add', path: ['doc'], value: { title: 'new', tags: [] } }],
        },
      ],
    })
    return { a, connect }
  }

  it('a change older than the last write to the same path is rejected as stale', async () => {
    const { a } = await setup()
    const ack = await ask(a, 'push', {
      room: 'r',
      changes: [
        {
          id: 'a:2',
          ts: ts(T0 + 50, 'a'),
          ops: [{ op: 'replace', path: ['doc'], value: { title: 'old', tags: [] } }],
        },
      ],
    })
    expect(ack).toMatchObject({ ok: true, results: [{ id: 'a:2', reason: 'stale' }] })
  })

  it('a write to a descendant older than the last write to its ancestor is stale', async () => {
    const { a } = await setup()
    const ack = await ask(a, 'push', {
      room: 'r',
      changes: [
        {
          id: 'a:2',
          ts: ts(T0 + 50, 'a'),
          ops: [{ op: 'replace', path: ['doc', 'title'], value: 'old' }],
        },
      ],
    })
    expect(ack).toMatchObject({ ok: true, results: [{ id: 'a:2', reason: 'stale' }] })
  })

  it('a write to an ancestor older than the last write to a descendant is stale', async () => {
    const { a } = await setup()
    await ask(a, 'push', {
      room: 'r',
      changes: [
        {
          id: 'a:2',
          ts: ts(T0 + 200, 'a'),
          ops: [{ op: 'replace', path: ['doc', 'title'], value: 'newer' }],
        },
      ],
    })
    const ack = await ask(a, 'push', {
      room: 'r',
      changes: [
        {
          id: 'a:3',
          ts: ts(T0 + 150, 'a'),
          ops: [{ op: 'replace', path: ['doc'], value: { title: 'x', tags: [] } }],
        },
      ],
    })
    expect(ack).toMatchObject({ ok: true, results: [{ id: 'a:3', reason: 'stale' }] })
  })

  it('a partly stale change applies its fresh ops, reports the dropped count, and broadcasts only the applied ops', async () => {
    const { a, connect } = await setup()
    const b = await connect()
    await ask(b, 'join', { room: 'r', clientId: 'b', schemaVersion: 1 })
    const seen = collectChanges(b)
    const ack = await ask(a, 'push', {
      room: 'r',
      changes: [
        {
          id: 'a:2',
          ts: ts(T0 + 50, 'a'),
          ops: [
            { op: 'replace', path: ['doc', 'title'], value: 'old' },
            { op: 'add', path: ['other'], value: true },
          ],
        },
      ],
    })
    const applied = [{ op: 'add', path: ['other'], value: true }]
    expect(ack).toEqual({ ok: true, results: [{ id: 'a:2', seq: 2, ops: applied, dropped: 1 }] })
    await until(() => seen.length === 1)
    expect(seen[0]?.ops).toEqual(applied)
  })

  it('concurrent appends to one array are all kept, whatever their timestamps', async () => {
    const { a } = await setup()
    const ack = await ask(a, 'push', {
      room: 'r',
      changes: [
        {
          id: 'a:2',
          ts: ts(T0 + 300, 'a'),
          ops: [{ op: 'add', path: ['doc', 'tags', '-'], value: 'late' }],
        },
        {
          id: 'a:3',
          ts: ts(T0 + 250, 'a'),
          ops: [{ op: 'add', path: ['doc', 'tags', '-'], value: 'early' }],
        },
      ],
    })
    expect(ack).toEqual({
      ok: true,
      results: [
        { id: 'a:2', seq: 2 },
        { id: 'a:3', seq: 3 },
      ],
    })
    const join = await ask(a, 'join', { room: 'r', clientId: 'a', schemaVersion: 1 })
    expect(join).toMatchObject({ snapshot: { doc: { title: 'new', tags: ['late', 'early'] } } })
  })
})

describe('createRelay schema, exactly-once and skew', () => {
  it('a change that breaks the room schema is rejected with its issues and the state is unchanged', async () => {
    const Chat = z.object({ messages: z.array(z.string().min(1)) }).partial()
    const { connect } = await start({ schema: (room) => (room === 'chat' ? Chat : undefined) })
    const a = await connect()
    await ask(a, 'join', { room: 'chat', clientId: 'a', schemaVersion: 1 })
    await ask(a, 'push', {
      room: 'chat',
      changes: [
        { id: 'a:1', ts: ts(T0, 'a'), ops: [{ op: 'add', path: ['messages'], value: ['hi'] }] },
      ],
    })
    const ack = await ask(a, 'push', {
      room: 'chat',
      changes: [
        {
          id: 'a:2',
          ts: ts(T0 + 1, 'a'),
          ops: [{ op: 'add', path: ['messages', '-'], value: '' }],
        },
      ],
    })
    expect(ack).toMatchObject({
      ok: true,
      results: [{ id: 'a:2', reason: 'schema', issues: [{ path: ['messages', 1] }] }],
    })
    expect(await ask(a, 'join', { room: 'chat', clientId: 'a', schemaVersion: 1 })).toMatchObject({
      seq: 1,
      snapshot: { messages: ['hi'] },
    })
  })

  it('a re-sent change id is acknowledged with its original sequence and not applied twice', async () => {
    const { connect } = await start()
    const a = await connect()
    await ask(a, 'join', { room: 'r', clientId: 'a', schemaVersion: 1 })
    const change = {
      id: 'a:1',
      ts: ts(T0, 'a'),
      ops: [{ op: 'add' as const, path: ['n', '-'], value: 1 }],
    }
    await ask(a, 'push', {
      room: 'r',
      changes: [{ id: 'a:0', ts: ts(T0 - 1, 'a'), ops: [{ op: 'add', path: ['n'], value: [] }] }],
    })
    const first = await ask(a, 'push', { room: 'r', changes: [change] })
    const again = await ask(a, 'push', { room: 'r', changes: [change] })
    expect(first).toEqual({ ok: true, results: [{ id: 'a:1', seq: 2 }] })
    expect(again).toEqual({ ok: true, results: [{ id: 'a:1', seq: 2 }] })
    expect(await ask(a, 'join', { room: 'r', clientId: 'a', schemaVersion: 1 })).toMatchObject({
      seq: 2,
      snapshot: { n: [1] },
    })
  })

  it('a join with another schema major is refused as skew; the same major with another minor is accepted', async () => {
    const { connect } = await start({ schemaVersion: '2.1' })
    const a = await connect()
    expect(await ask(a, 'join', { room: 'r', clientId: 'a', schemaVersion: '3.0' })).toMatchObject({
      ok: false,
      reason: 'skew',
    })
    expect(await ask(a, 'join', { room: 'r', clientId: 'a', schemaVersion: '2.7' })).toMatchObject({
      ok: true,
    })
  })
})

describe('createRelay catch-up', () => {
  const pushMany = async (connect: Started['connect'], n: number) => {
    const a = await connect()
    await ask(a, 'join', { room: 'r', clientId: 'a', schemaVersion: 1 })
    for (let i = 1; i <= n; i++) {
      await ask(a, 'push', {
        room: 'r',
        changes: [
          { id: `a:${i}`, ts: ts(T0 + i, 'a'), ops: [{ op: 'add', path: [`k${i}`], value: i }] },
        ],
      })
    }
    return a
  }

  it('a join with since receives exactly the changes after it from the log', async () => {
    const { connect } = await start()
    await pushMany(connect, 5)
    const b = await connect()
    const join = await ask(b, 'join', { room: 'r', clientId: 'b', since: 3, schemaVersion: 1 })
    expect(join).toMatchObject({ ok: true, seq: 5 })
    expect(join.ok && 'changes' in join && join.changes.map((c) => c.seq)).toEqual([4, 5])
    expect(join).not.toHaveProperty('snapshot')
  })

  it('catchUp returns the requested range of sequences', async () => {
    const { connect } = await start()
    const a = await pushMany(connect, 6)
    const res = await ask(a, 'catchUp', { room: 'r', since: 2, until: 4 })
    expect(res.ok && res.changes.map((c) => c.seq)).toEqual([3, 4])
  })

  it('after compaction a join from before the retained log receives a snapshot, and one within it receives changes', async () => {
    const store = memoryStore()
    const { connect } = await start({ store, compactEvery: 4, keepTail: 2 })
    await pushMany(connect, 9)
    const b = await connect()
    const old = await ask(b, 'join', { room: 'r', clientId: 'b', since: 1, schemaVersion: 1 })
    expect(old).toMatchObject({ ok: true, seq: 9, snapshot: { k1: 1, k9: 9 } })
    expect(await store.since('r', 1)).toBeNull()
    const recent = await ask(b, 'join', { room: 'r', clientId: 'b', since: 7, schemaVersion: 1 })
    expect(recent.ok && recent.changes.map((c) => c.seq)).toEqual([8, 9])
  })

  it('a relay restarted on the same store resumes the room with its state and sequence', async () => {
    const store = memoryStore()
    const first = await start({ store, closeStore: false, compactEvery: 3, keepTail: 1 })
    await pushMany(first.connect, 7)
    await first.stop()
    running = running.filter((r) => r !== first)
    const second = await start({ store })
    const c = await second.connect()
    expect(await ask(c, 'join', { room: 'r', clientId: 'c', schemaVersion: 1 })).toMatchObject({
      seq: 7,
      snapshot: { k1: 1, k7: 7 },
    })
    const ack = await ask(c, 'push', {
      room: 'r',
      changes: [{ id: 'c:1', ts: ts(T0 + 99, 'c'), ops: [{ op: 'add', path: ['k8'], value: 8 }] }],
    })
    expect(ack).toEqual({ ok: true, results: [{ id: 'c:1', seq: 8 }] })
  })
})

describe('createRelay room lifecycle', () => {
  it('a room everyone left is dropped from memory and reloaded from the store on the next join', async () => {
    const { connect, relay } = await start()
    const a = await connect()
    await ask(a, 'join', { room: 'r', clientId: 'a', schemaVersion: 1 })
    await ask(a, 'push', {
      room: 'r',
      changes: [{ id: 'a:1', ts: ts(T0, 'a'), ops: [{ op: 'add', path: ['x'], value: 1 }] }],
    })
    expect((await relay.health()).rooms).toBe(1)
    expect(await ask(a, 'leave', { room: 'r' })).toEqual({ ok: true })
    while ((await relay.health()).rooms !== 0) await new Promise((r) => setTimeout(r, 5))
    expect(await ask(a, 'join', { room: 'r', clientId: 'a', schemaVersion: 1 })).toMatchObject({
      seq: 1,
      snapshot: { x: 1 },
    })
    expect((await relay.health()).rooms).toBe(1)
  })
})

describe('createRelay options', () => {
  it('broadcasts through the Socket.IO adapter it is given', async () => {
    const broadcasts: string[] = []
    class RecordingAdapter extends Adapter {
      override broadcast(
        packet: Parameters<Adapter['broadcast']>[0],
        opts: Parameters<Adapter['broadcast']>[1],
      ) {
        broadcasts.push(String(packet.data?.[0]))
        super.broadcast(packet, opts)
      }
    }
    const { connect } = await start({ adapter: RecordingAdapter })
    const a = await connect()
    await ask(a, 'join', { room: 'r', clientId: 'a', schemaVersion: 1 })
    await ask(a, 'push', {
      room: 'r',
      changes: [{ id: 'a:1', ts: ts(T0, 'a'), ops: [{ op: 'add', path: ['x'], value: 1 }] }],
    })
    // Events to the sockets that read them, a frame to those that read frames: the adapter decides who is there.
    expect(broadcasts).toEqual(['change', 'changes'])
  })

  it('refuses a schema that is not a function of the room at setup, naming the option', () => {
    const schema = z.object({ x: z.number() })
    expect(() => createRelay({ schema } as unknown as RelayOptions)).toThrow(
      expect.objectContaining({
        code: 'option',
        details: expect.objectContaining({ option: 'schema' }),
      }),
    )
  })
})
