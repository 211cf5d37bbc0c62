import { afterEach, describe, expect, it } from 'vitest'
import { createRelay } from '../../server/createRelay'
import type { RelayOptions } from '../../server/relay/types'
import type { PresenceEvent } from '../../src/protocol'
import { ask, askRaw, type ClientSocket, startRelay, until } from './helpers'

type Started = Awaited<ReturnType<typeof startRelay>>
let relay: Started | undefined

afterEach(async () => {
  await relay?.stop()
  relay = undefined
})

const boot = async (options: RelayOptions = {}) => {
  relay = await startRelay(options)
  return relay
}

/** A connected socket that joined `room` as `clientId`, recording its presence events. */
async function member(r: Started, room: string, clientId: string, auth?: Record<string, unknown>) {
  const socket = await r.connect(auth)
  const events: PresenceEvent[] = []
  socket.on('presence', (e) => events.push(e))
  const ack = await ask(socket, 'join', { room, clientId, schemaVersion: 1 })
  expect(ack.ok).toBe(true)
  return { socket, events }
}

const set = (socket: ClientSocket, room: string, value: unknown) =>
  ask(socket, 'presence:set', { room, value })

describe('the relay’s presence channel', () => {
  it('a set is answered with the connection’s own id, the TTL and the rate', async () => {
    const r = await boot({ presenceTtlMs: 12_000, limits: { presencePerSecond: 4 } })
    const a = await member(r, 'r', 'alice')
    expect(await set(a.socket, 'r', 'here')).toEqual({
      ok: true,
      id: a.socket.id,
      ttlMs: 12_000,
      perSecond: 4,
    })
  })

  it('a joining socket first receives a snapshot of who is in the room', async () => {
    const r = await boot()
    const a = await member(r, 'r', 'alice')
    await set(a.socket, 'r', { name: 'Alice' })
    const b = await member(r, 'r', 'bob')
    await until(() => b.events.length > 0)
    expect(b.events[0]).toEqual({
      room: 'r',
      type: 'snapshot',
      ttlMs: 30_000,
      entries: [{ id: a.socket.id, clientId: 'alice', value: { name: 'Alice' }, rev: 1 }],
    })
  })

  it('a set before joining the room is refused bad_request', async () => {
    const r = await boot()
    const socket = await r.connect()
    expect(await set(socket, 'r', 'here')).toMatchObject({ ok: false, reason: 'bad_request' })
  })

  it('a socket can set only its own entry, whatever id it claims', async () => {
    const r = await boot()
    const a = await member(r, 'r', 'alice')
    const b = await member(r, 'r', 'bob')
    await set(a.socket, 'r', 'alice here')
    await askRaw(b.socket, 'presence:set', {
      room: 'r',
      value: 'forged',
      id: a.socket.id,
      clientId: 'alice',
    })
    await until(() => a.events.some((e) => e.type === 'join' && e.entry.value === 'forged'))
    const forged = a.events.find((e) => e.type === 'join' && e.entry.value === 'forged')
    expect(forged).toMatchObject({ entry: { id: b.socket.id, clientId: 'bob' } })
  })

  it('sets faster than the presence rate are refused rate_limited', async () => {
    // A stopped clock: the bucket does not refill while the burst is answered.
    const frozen = Date.now()
    const r = await boot({
      now: () => frozen,
      limits: { presencePerSecond: 2, maxViolations: 100 },
    })
    const a = await member(r, 'r', 'alice')
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => set(a.socket, 'r', { n: i })),
    )
    // A burst of twice the rate is taken; the rest is refused.
    expect(answers.filter((x) => x.ok)).toHaveLength(4)
    expect(answers.filter((x) => !x.ok)).toEqual(
      Array.from({ length: 6 }, () => expect.objectContaining({ reason: 'rate_limited' })),
    )
  })

  it('a value over maxPresenceBytes is refused too_large and not broadcast', async () => {
    const r = await boot({ limits: { maxPresenceBytes: 32 } })
    const a = await member(r, 'r', 'alice')
    const b = await member(r, 'r', 'bob')
    expect(await set(a.socket, 'r', 'y'.repeat(100))).toMatchObject({
      ok: false,
      reason: 'too_large',
    })
    await set(a.socket, 'r', 'ok')
    await until(() => b.events.some((e) => e.type === 'join'))
    expect(b.events.filter((e) => e.type !== 'snapshot')).toEqual([
      { room: 'r', type: 'join', ttlMs: 30_000, entry: expect.objectContaining({ value: 'ok' }) },
    ])
  })

  it('a socket not in the room receives none of its presence', async () => {
    const r = await boot()
    const a = await member(r, 'r', 'alice')
    const outsider = await member(r, 'other', 'eve')
    const inside = await member(r, 'r', 'bob')
    await set(a.socket, 'r', 'here')
    await until(() => inside.events.some((e) => e.type === 'join'))
    expect(outsider.events.filter((e) => e.room === 'r')).toEqual([])
  })

  it('a principal without read access to the room cannot set presence in it', async () => {
    let readable = true
    const r = await boot({ authorize: () => readable })
    const a = await member(r, 'r', 'alice')
    readable = false
    expect(await set(a.socket, 'r', 'here')).toMatchObject({ ok: false, reason: 'forbidden' })
  })

  it('leaving the room removes the entry for the others', async () => {
    const r = await boot()
    const a = await member(r, 'r', 'alice')
    const b = await member(r, 'r', 'bob')
    await set(a.socket, 'r', 'here')
    await ask(a.socket, 'leave', { room: 'r' })
    await until(() => b.events.some((e) => e.type === 'leave'))
    expect(b.events.at(-1)).toEqual({ room: 'r', type: 'leave', id: a.socket.id })
  })

  it('presenceSchema that is not a function throws at setup, naming the option', () => {
    expect(() => createRelay({ presenceSchema: {} as never })).toThrow(/presenceSchema/)
  })
})
