import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RelayProcess, spawnRelay, trackRelayProcesses } from './cliProcess'
import { ask, askRaw, type ClientSocket, connectRaw, ts } from './helpers'

const { start, sockets } = trackRelayProcesses<ClientSocket>()

const connect = (url: string) => connectRaw(url, sockets)

/** A socket joined to `room` as client `c`. */
async function joined(url: string, room: string): Promise<ClientSocket> {
  const socket = await connect(url)
  expect(await ask(socket, 'join', { room, schemaVersion: 1, clientId: 'c' })).toMatchObject({
    ok: true,
  })
  return socket
}

const change = (n: number, ops: unknown[], at = Date.now()) => ({
  id: `c:${n}`,
  ts: ts(at, 'c', n),
  ops: ops as never,
})
const set = (path: (string | number)[], value: unknown) => ({ op: 'add', path, value })

// Every limit flag small, far under its default, on one relay: each test uses
// its own socket and room, and refuses at most once per socket, so the
// violation budget of 2 ends no test but the one about it.
describe('patchwire relay limit flags', () => {
  let relay: RelayProcess
  beforeAll(async () => {
    relay = await spawnRelay([
      ...['--port', '0', '--memory'],
      ...['--max-payload-bytes', '2000', '--max-changes-per-push', '3'],
      ...['--max-ops-per-change', '2', '--max-path-depth', '3', '--max-value-depth', '2'],
      ...['--max-id-length', '24', '--max-rooms-per-socket', '2', '--max-catch-up', '1'],
      ...['--max-clock-ahead-ms', '60000', '--max-violations', '2'],
      ...['--max-presence-bytes', '100', '--presence-per-second', '3', '--presence-ttl-ms', '4000'],
    ])
  })
  afterAll(async () => {
    relay.child.kill('SIGKILL')
    await relay.exited
  })

  it('--max-presence-bytes refuses a larger presence value too_large and accepts one under it', async () => {
    const socket = await joined(relay.url, 'presenceBytes')
    expect(
      await ask(socket, 'presence:set', { room: 'presenceBytes', value: 'x'.repeat(50) }),
    ).toMatchObject({ ok: true })
    expect(
      await ask(socket, 'presence:set', { room: 'presenceBytes', value: 'x'.repeat(200) }),
    ).toMatchObject({ ok: false, reason: 'too_large' })
  })

  it('--presence-per-second and --presence-ttl-ms are the rate and lifetime a presence ack announces, and the rate is enforced', async () => {
    const socket = await joined(relay.url, 'presenceRate')
    const acks: unknown[] = []
    for (let i = 0; i < 8; i++) {
      acks.push(await ask(socket, 'presence:set', { room: 'presenceRate', value: i }))
    }
    expect(acks[0]).toMatchObject({ ok: true, ttlMs: 4000, perSecond: 3 })
    // Bursts of twice the rate: the seventh update in a burst is over it.
    expect(acks).toContainEqual(expect.objectContaining({ ok: false, reason: 'rate_limited' }))
  })

  it('--max-payload-bytes refuses a push over that many bytes too_large and accepts one under it', async () => {
    const socket = await joined(relay.url, 'payload')
    const small = await ask(socket, 'push', {
      room: 'payload',
      changes: [change(1, [set(['note'], 'x'.repeat(1000))])],
    })
    const big = await ask(socket, 'push', {
      room: 'payload',
      changes: [change(2, [set(['note'], 'x'.repeat(3000))])],
    })
    expect(small).toMatchObject({ ok: true, results: [{ id: 'c:1', seq: 1 }] })
    expect(big).toMatchObject({ ok: false, reason: 'too_large' })
  })

  it('--max-changes-per-push refuses a push of more changes too_large as a whole', async () => {
    const socket = await joined(relay.url, 'perPush')
    const three = [1, 2, 3].map((n) => change(n, [set([`k${n}`], n)]))
    const four = [4, 5, 6, 7].map((n) => change(n, [set([`k${n}`], n)]))
    expect(await ask(socket, 'push', { room: 'perPush', changes: three })).toMatchObject({
      ok: true,
      results: [{ seq: 1 }, { seq: 2 }, { seq: 3 }],
    })
    expect(await ask(socket, 'push', { room: 'perPush', changes: four })).toMatchObject({
      ok: false,
      reason: 'too_large',
    })
  })

  it('--max-ops-per-change refuses a change with more ops too_large', async () => {
    const socket = await joined(relay.url, 'ops')
    const ack = await ask(socket, 'push', {
      room: 'ops',
      changes: [
        change(1, [set(['a'], 1), set(['b'], 2)]),
        change(2, [set(['c'], 1), set(['d'], 2), set(['e'], 3)]),
      ],
    })
    expect(ack).toMatchObject({
      ok: true,
      results: [
        { id: 'c:1', seq: 1 },
        { id: 'c:2', reason: 'too_large' },
      ],
    })
  })

  it('--max-path-depth refuses an op whose path has more segments too_large', async () => {
    const socket = await joined(relay.url, 'depth')
    const ack = await ask(socket, 'push', {
      room: 'depth',
      changes: [
        change(1, [set(['a'], { b: {} })]),
        change(2, [set(['a', 'b', 'c'], 1)]),
        change(3, [set(['a', 'b', 'c', 'd'], 1)]),
      ],
    })
    expect(ack).toMatchObject({
      ok: true,
      results: [{ seq: 1 }, { seq: 2 }, { id: 'c:3', reason: 'too_large' }],
    })
  })

  it('--max-value-depth refuses a value nested deeper too_large', async () => {
    const socket = await joined(relay.url, 'nesting')
    const ack = await ask(socket, 'push', {
      room: 'nesting',
      changes: [
        change(1, [set(['a'], { b: { c: { d: 1 } } })]),
        change(2, [set(['b'], { b: { c: 1 } })]),
      ],
    })
    expect(ack).toMatchObject({
      ok: true,
      results: [{ id: 'c:1', reason: 'too_large' }, { seq: 1 }],
    })
  })

  it('--max-id-length refuses a join to a longer room name too_large', async () => {
    const socket = await connect(relay.url)
    const at = await ask(socket, 'join', { room: 'r'.repeat(24), schemaVersion: 1, clientId: 'c' })
    const over = await ask(socket, 'join', {
      room: 'r'.repeat(25),
      schemaVersion: 1,
      clientId: 'c',
    })
    expect(at).toMatchObject({ ok: true })
    expect(over).toMatchObject({ ok: false, reason: 'too_large' })
  })

  it('--max-rooms-per-socket refuses a join beyond that many rooms too_large', async () => {
    const socket = await connect(relay.url)
    const acks = []
    for (const room of ['rooms1', 'rooms2', 'rooms3']) {
      acks.push(await ask(socket, 'join', { room, schemaVersion: 1, clientId: 'c' }))
    }
    expect(acks).toMatchObject([{ ok: true }, { ok: true }, { ok: false, reason: 'too_large' }])
  })

  it('--max-catch-up answers a join further behind with a snapshot instead of the changes', async () => {
    const writer = await joined(relay.url, 'catchUp')
    await ask(writer, 'push', {
      room: 'catchUp',
      changes: [change(1, [set(['a'], 1)]), change(2, [set(['b'], 2)])],
    })
    const reader = await connect(relay.url)
    const behind = await ask(reader, 'join', {
      room: 'catchUp',
      since: 0,
      schemaVersion: 1,
      clientId: 'r',
    })
    const near = await ask(reader, 'join', {
      room: 'catchUp',
      since: 1,
      schemaVersion: 1,
      clientId: 'r',
    })
    expect(behind).toMatchObject({ ok: true, seq: 2, snapshot: { a: 1, b: 2 } })
    expect(near).toMatchObject({ ok: true, seq: 2, changes: [{ seq: 2 }] })
    expect(near).not.toHaveProperty('snapshot')
  })

  it('--max-clock-ahead-ms refuses a change whose timestamp runs further ahead as bad_request', async () => {
    const socket = await joined(relay.url, 'clock')
    const ack = await ask(socket, 'push', {
      room: 'clock',
      changes: [
        change(1, [set(['a'], 1)], Date.now() + 20_000),
        change(2, [set(['b'], 1)], Date.now() + 300_000),
      ],
    })
    expect(ack).toMatchObject({
      ok: true,
      results: [
        { id: 'c:1', seq: 1 },
        { id: 'c:2', reason: 'bad_request' },
      ],
    })
  })

  it('--max-violations says goodbye to a socket after that many refused messages in a burst', async () => {
    const socket = await connect(relay.url)
    const goodbye = new Promise((resolve) => socket.once('goodbye', resolve))
    // Pushes to a room never joined: each is refused bad_request.
    for (let i = 0; i < 10; i++) void askRaw(socket, 'push', { room: 'never', changes: [] })
    expect(await goodbye).toMatchObject({ reason: 'bad_request' })
  })
})

describe('patchwire relay rate flags', () => {
  it('--messages-per-second refuses messages beyond its burst rate_limited', async () => {
    const p = await start(['--port', '0', '--memory', '--messages-per-second', '0.5'])
    const socket = await connect(p.url)
    // A burst of twice the rate: one message; a second needs two seconds to refill.
    const acks = await Promise.all(
      [1, 2, 3, 4, 5].map((n) =>
        ask(socket, 'join', { room: `m${n}`, schemaVersion: 1, clientId: 'c' }),
      ),
    )
    expect(acks[0]).toMatchObject({ ok: true })
    expect(acks.filter((a) => !a.ok && a.reason === 'rate_limited').length).toBeGreaterThan(0)
  })

  it('--changes-per-second refuses a push of more changes than its burst rate_limited', async () => {
    const p = await start(['--port', '0', '--memory', '--changes-per-second', '0.5'])
    const socket = await joined(p.url, 'rate')
    // The bucket holds at most twice the rate, one change, so two never fit.
    const ack = await ask(socket, 'push', {
      room: 'rate',
      changes: [change(1, [set(['a'], 1)]), change(2, [set(['b'], 2)])],
    })
    expect(ack).toMatchObject({ ok: false, reason: 'rate_limited' })
  })
})
