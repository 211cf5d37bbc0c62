import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { RelayOptions } from '../../../server/relay/types'
import type { PushResult } from '../../../src/protocol'
import { ask, type ClientSocket, collectChanges, startRelay, ts, until } from '../helpers'

const T0 = Date.now()
let stops: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const stop of stops) await stop()
  stops = []
})

async function start(options: RelayOptions = {}) {
  const r = await startRelay(options)
  stops.push(r.stop)
  return r
}

/** The part of a verdict that says what happened, without the id that differs between writers. */
const outcome = (v: PushResult | undefined) => {
  if (!v || !('reason' in v)) return v && { accepted: true, dropped: v.dropped ?? 0 }
  return { reason: v.reason, issues: v.issues }
}

async function joined(connect: () => Promise<ClientSocket>, room: string, clientId: string) {
  const socket = await connect()
  const ack = await ask(socket, 'join', { room, clientId, schemaVersion: 1 })
  expect(ack.ok).toBe(true)
  return socket
}

describe('relay.read', () => {
  it('reads the room state and sequence a join would see', async () => {
    const { relay, connect } = await start()
    const a = await joined(connect, 'r', 'a')
    await ask(a, 'push', {
      room: 'r',
      changes: [{ id: 'a:1', ts: ts(T0, 'a'), ops: [{ op: 'add', path: ['x'], value: 1 }] }],
    })
    const join = await ask(await connect(), 'join', { room: 'r', clientId: 'b', schemaVersion: 1 })
    expect(await relay.read('r')).toEqual({
      seq: 1,
      state: join.ok && 'snapshot' in join ? join.snapshot : 'no snapshot',
    })
  })

  it('reads a room nobody ever wrote as empty at sequence 0', async () => {
    const { relay } = await start()
    expect(await relay.read('empty')).toEqual({ seq: 0, state: {} })
  })
})

describe('relay.write', () => {
  it('writes as a server origin, acknowledges with the sequence and broadcasts like a push', async () => {
    const { relay, connect } = await start()
    const a = await joined(connect, 'r', 'a')
    const seen = collectChanges(a)
    const verdict = await relay.write('r', [{ op: 'add', path: '/note', value: 'hi' }], {
      origin: 'billing',
    })
    expect(verdict).toMatchObject({ seq: 1 })
    expect(verdict.id).toMatch(/^server:billing:/)
    await until(() => seen.length === 1)
    expect(seen[0]).toMatchObject({
      room: 'r',
      seq: 1,
      id: verdict.id,
      origin: 'server:billing',
      ops: [{ op: 'add', path: ['note'], value: 'hi' }],
    })
    expect(await relay.read('r')).toEqual({ seq: 1, state: { note: 'hi' } })
  })

  it('a server write made after a client write wins over it even when the client clock runs ahead', async () => {
    const { relay, connect } = await start()
    const a = await joined(connect, 'r', 'a')
    await ask(a, 'push', {
      room: 'r',
      changes: [
        {
          id: 'a:1',
          ts: ts(Date.now() + 60_000, 'a'),
          ops: [{ op: 'add', path: ['x'], value: 1 }],
        },
      ],
    })
    const verdict = await relay.write('r', [{ op: 'replace', path: ['x'], value: 2 }], {
      origin: 'job',
    })
    expect(verdict).toMatchObject({ seq: 2 })
    expect((await relay.read('r')).state).toEqual({ x: 2 })
  })

  it('a server write older than the last write to its path is refused stale, as a push is', async () => {
    const { relay, connect } = await start()
    const a = await joined(connect, 'r', 'a')
    await ask(a, 'push', {
      room: 'r',
      changes: [{ id: 'a:1', ts: ts(T0, 'a'), ops: [{ op: 'add', path: ['x'], value: 1 }] }],
    })
    const pushed = await ask(a, 'push', {
      room: 'r',
      changes: [{ id: 'a:2', ts: ts(T0 - 10, 'a'), ops: [{ op: 'add', path: ['x'], value: 3 }] }],
    })
    const written = await relay.write('r', [{ op: 'add', path: ['x'], value: 2 }], {
      origin: 'job',
      at: T0 - 10,
    })
    expect(pushed.ok && outcome(pushed.results[0])).toEqual({ reason: 'stale', issues: undefined })
    expect(outcome(written)).toEqual(pushed.ok && outcome(pushed.results[0]))
    expect((await relay.read('r')).state).toEqual({ x: 1 })
  })

  it('a server write that breaks the room schema is refused with the same issues as a push', async () => {
    const Chat = z.object({ messages: z.array(z.string().min(1)) }).partial()
    const { relay, connect } = await start({ schema: () => Chat })
    const a = await joined(connect, 'chat', 'a')
    const op = { op: 'add' as const, path: ['messages'], value: [''] }
    const pushed = await ask(a, 'push', {
      room: 'chat',
      changes: [{ id: 'a:1', ts: ts(T0, 'a'), ops: [op] }],
    })
    const written = await relay.write('chat', [op], { origin: 'job' })
    expect(pushed.ok && outcome(pushed.results[0])).toMatchObject({ reason: 'schema' })
    expect(outcome(written)).toEqual(pushed.ok && outcome(pushed.results[0]))
    expect(await relay.read('chat')).toEqual({ seq: 0, state: {} })
  })

  it('a server write to a forbidden path is refused as a push is, and nothing throws', async () => {
    const { relay, connect } = await start()
    const a = await joined(connect, 'r', 'a')
    const op = { op: 'add' as const, path: ['__proto__', 'polluted'], value: true }
    const pushed = await ask(a, 'push', {
      room: 'r',
      changes: [{ id: 'a:1', ts: ts(T0, 'a'), ops: [op] }],
    })
    const written = await relay.write('r', [op], { origin: 'job' })
    expect(pushed.ok && outcome(pushed.results[0])).toMatchObject({ reason: 'bad_request' })
    expect(outcome(written)).toEqual(pushed.ok && outcome(pushed.results[0]))
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('the room keeps a copy of the written values, so the caller can still change its objects', async () => {
    const { relay } = await start()
    const value = { tags: ['a'] }
    await relay.write('r', [{ op: 'add', path: ['doc'], value }], { origin: 'job' })
    value.tags.push('b')
    expect(value.tags).toEqual(['a', 'b'])
    expect((await relay.read('r')).state).toEqual({ doc: { tags: ['a'] } })
  })

  it('a server write over the payload limit is refused too_large', async () => {
    const { relay } = await start({ limits: { maxPayloadBytes: 1000 } })
    const verdict = await relay.write('r', [{ op: 'add', path: ['x'], value: 'y'.repeat(2000) }], {
      origin: 'job',
    })
    expect(verdict).toMatchObject({ reason: 'too_large' })
  })

  it('a server write while the relay shuts down is refused unavailable', async () => {
    const { relay } = await start()
    const closed = relay.close()
    expect(
      await relay.write('r', [{ op: 'add', path: ['x'], value: 1 }], { origin: 'job' }),
    ).toMatchObject({ reason: 'unavailable' })
    await closed
  })

  it('a write without an origin throws an error naming the option', async () => {
    const { relay } = await start()
    await expect(
      relay.write('r', [{ op: 'add', path: ['x'], value: 1 }], {} as { origin: string }),
    ).rejects.toThrow(/origin/)
  })

  it('server writes and client pushes made at once all land, each once, in one order', async () => {
    const { relay, connect } = await start()
    const a = await joined(connect, 'r', 'a')
    const b = await joined(connect, 'r', 'b')
    const seenByB = collectChanges(b)
    await relay.write('r', [{ op: 'add', path: ['items'], value: [] }], { origin: 'setup' })
    const pushes = Array.from({ length: 10 }, (_, i) =>
      ask(a, 'push', {
        room: 'r',
        changes: [
          {
            id: `a:${i + 1}`,
            ts: ts(Date.now() + 1 + i, 'a'),
            ops: [{ op: 'add', path: ['items', '-'], value: `a${i}` }],
          },
        ],
      }),
    )
    const writes = Array.from({ length: 10 }, (_, i) =>
      relay.write('r', [{ op: 'add', path: ['items', '-'], value: `s${i}` }], { origin: 'job' }),
    )
    const verdicts = [
      ...(await Promise.all(writes)),
      ...(await Promise.all(pushes)).flatMap((p) => (p.ok ? p.results : [])),
    ]
    expect(verdicts.filter((v) => 'seq' in v)).toHaveLength(20)
    const { seq, state } = await relay.read('r')
    expect(seq).toBe(21)
    await until(() => seenByB.length === 21)
    expect(seenByB.map((c) => c.seq)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1))
    const expected = [
      ...Array.from({ length: 10 }, (_, i) => `a${i}`),
      ...Array.from({ length: 10 }, (_, i) => `s${i}`),
    ]
    expect([...(state.items as string[])].sort()).toEqual(expected.sort())
  })
})

describe('reserved server client ids', () => {
  it('a client joining under a server-writer id is refused forbidden', async () => {
    const { connect } = await start()
    const socket = await connect()
    expect(
      await ask(socket, 'join', { room: 'r', clientId: 'server:billing', schemaVersion: 1 }),
    ).toMatchObject({ ok: false, reason: 'forbidden' })
  })

  it('a client joining as "server" is refused, so its ids cannot take the server prefix', async () => {
    const { connect } = await start()
    const socket = await connect()
    expect(
      await ask(socket, 'join', { room: 'r', clientId: 'server', schemaVersion: 1 }),
    ).toMatchObject({ ok: false, reason: 'forbidden' })
  })
})
