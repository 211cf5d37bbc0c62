import { describe, expect, it } from 'vitest'
import { ask, askRaw, collectChanges, oneAdd, ts, until } from './helpers'
import { relayPerTest } from './relayPerTest'

const startRelay = relayPerTest()

const T0 = Date.now()
const change = oneAdd

describe('changes sent back to the socket that pushed them', () => {
  it('a socket that joined with echo false gets its accepted changes in the answer only', async () => {
    const running = await startRelay()
    const a = await running.connect()
    const b = await running.connect()
    await ask(a, 'join', { room: 'r', clientId: 'a', schemaVersion: 1, echo: false })
    await ask(b, 'join', { room: 'r', clientId: 'b', schemaVersion: 1 })
    const seenByA = collectChanges(a)
    const seenByB = collectChanges(b)
    const ack = await ask(a, 'push', {
      room: 'r',
      changes: [change('a:1', T0, 'x', 1), change('a:2', T0 + 1, 'y', 2)],
    })
    expect(ack).toEqual({
      ok: true,
      results: [
        { id: 'a:1', seq: 1 },
        { id: 'a:2', seq: 2 },
      ],
    })
    await ask(b, 'push', { room: 'r', changes: [change('b:1', T0 + 2, 'z', 3)] })
    // A socket receives a room's changes in order: b's change comes after any echo of a's.
    await until(() => seenByA.length > 0)
    expect(seenByA.map((c) => c.id)).toEqual(['b:1'])
    await until(() => seenByB.length === 3)
    expect(seenByB.map((c) => c.id)).toEqual(['a:1', 'a:2', 'b:1'])
  })

  it('a socket that joined without echo receives its own changes back, as clients before it expect', async () => {
    const running = await startRelay()
    const a = await running.connect()
    await ask(a, 'join', { room: 'r', clientId: 'a', schemaVersion: 1 })
    const seen = collectChanges(a)
    await ask(a, 'push', { room: 'r', changes: [change('a:1', T0, 'x', 1)] })
    await until(() => seen.length === 1)
    expect(seen.map((c) => [c.seq, c.id, c.ops])).toEqual([
      [1, 'a:1', [{ op: 'add', path: ['x'], value: 1 }]],
    ])
  })

  it('the answer to a partly stale change carries the ops the relay applied', async () => {
    const running = await startRelay()
    const a = await running.connect()
    const b = await running.connect()
    await ask(a, 'join', { room: 'r', clientId: 'a', schemaVersion: 1, echo: false })
    await ask(b, 'join', { room: 'r', clientId: 'b', schemaVersion: 1 })
    await ask(b, 'push', { room: 'r', changes: [change('b:1', T0 + 10, 'x', 'newer')] })
    const ack = await ask(a, 'push', {
      room: 'r',
      changes: [
        {
          id: 'a:1',
          ts: ts(T0, 'a'),
          ops: [
            { op: 'add', path: ['x'], value: 'older' },
            { op: 'add', path: ['y'], value: 'fresh' },
          ],
        },
      ],
    })
    expect(ack).toEqual({
      ok: true,
      results: [
        { id: 'a:1', seq: 2, ops: [{ op: 'add', path: ['y'], value: 'fresh' }], dropped: 1 },
      ],
    })
  })

  it('a join whose echo is not a boolean is refused bad_request', async () => {
    const running = await startRelay()
    const a = await running.connect()
    const ack = await askRaw(a, 'join', { room: 'r', clientId: 'a', schemaVersion: 1, echo: 'no' })
    expect(ack).toMatchObject({ ok: false, reason: 'bad_request' })
  })
})
