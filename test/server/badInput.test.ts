import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RelayOptions } from '../../server/relay/types'
import { ask, askRaw, type ClientSocket, startRelay, ts } from './helpers'

type Started = Awaited<ReturnType<typeof startRelay>>
let relay: Started
let attacker: ClientSocket
let bystander: ClientSocket
const T0 = Date.now()

const boot = async (options: RelayOptions = {}) => {
  relay = await startRelay(options)
  attacker = await relay.connect()
  bystander = await relay.connect()
  await ask(attacker, 'join', { room: 'r', clientId: 'evil', schemaVersion: 1 })
  await ask(bystander, 'join', { room: 'r', clientId: 'good', schemaVersion: 1 })
  await ask(bystander, 'push', {
    room: 'r',
    changes: [
      { id: 'good:1', ts: ts(T0, 'good'), ops: [{ op: 'add', path: ['doc'], value: { a: 1 } }] },
    ],
  })
}

/** The room as a fresh reader sees it. */
const roomState = async () => {
  const reader = await relay.connect()
  const res = await ask(reader, 'join', { room: 'r', clientId: 'reader', schemaVersion: 1 })
  reader.disconnect()
  return res
}

/** The bystander can still push and gets the next sequence. */
const bystanderStillServed = async (expectedSeq: number) => {
  const ack = await ask(bystander, 'push', {
    room: 'r',
    changes: [
      {
        id: `good:${expectedSeq}`,
        ts: ts(T0 + expectedSeq, 'good'),
        ops: [{ op: 'replace', path: ['doc', 'a'], value: expectedSeq }],
      },
    ],
  })
  expect(ack).toEqual({ ok: true, results: [{ id: `good:${expectedSeq}`, seq: expectedSeq }] })
}

const pushRaw = (changes: unknown) => askRaw(attacker, 'push', { room: 'r', changes })
const change = (ops: unknown, id = 'evil:1') => ({ id, ts: ts(T0 + 10, 'evil'), ops })

afterEach(async () => {
  await relay.stop()
})

describe('relay refuses malformed and hostile input straight at the socket', () => {
  beforeEach(() => boot())

  it('a push that is not an object is refused bad_request', async () => {
    expect(await askRaw(attacker, 'push', 'garbage')).toMatchObject({
      ok: false,
      reason: 'bad_request',
    })
    await bystanderStillServed(2)
  })

  it('a change without ops, with an unknown op or a bad timestamp is refused bad_request', async () => {
    const res = await pushRaw([
      { id: 'evil:1', ts: ts(T0, 'evil') },
      change([{ op: 'move', path: ['doc'], value: 1 }], 'evil:2'),
      { id: 'evil:3', ts: 'yesterday', ops: [{ op: 'add', path: ['x'], value: 1 }] },
    ])
    expect(res).toMatchObject({
      ok: true,
      results: [
        { id: 'evil:1', reason: 'bad_request' },
        { id: 'evil:2', reason: 'bad_request' },
        { id: 'evil:3', reason: 'bad_request' },
      ],
    })
    expect(await roomState()).toMatchObject({ seq: 1, snapshot: { doc: { a: 1 } } })
  })

  it.each([
    ['__proto__', ['__proto__', 'polluted']],
    ['constructor', ['doc', 'constructor', 'prototype']],
    ['prototype', ['prototype']],
  ])('a path through %s is refused and Object.prototype stays clean', async (_name, path) => {
    const res = await pushRaw([change([{ op: 'add', path, value: true }])])
    expect(res).toMatchObject({ ok: true, results: [{ reason: 'bad_request' }] })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(await roomState()).toMatchObject({ seq: 1, snapshot: { doc: { a: 1 } } })
  })

  it('a value carrying a __proto__ key is refused', async () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}}')
    const res = await pushRaw([change([{ op: 'add', path: ['x'], value }])])
    expect(res).toMatchObject({ ok: true, results: [{ reason: 'bad_request' }] })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('a JSON Pointer path with an escaped __proto__ is refused', async () => {
    const res = await pushRaw([change([{ op: 'add', path: '/__proto__/x', value: 1 }])])
    expect(res).toMatchObject({ ok: true, results: [{ reason: 'bad_request' }] })
  })

  it('an oversized message is refused too_large and the socket stays usable', async () => {
    const big = 'x'.repeat(1_100_000)
    const res = await pushRaw([change([{ op: 'add', path: ['big'], value: big }])])
    expect(res).toMatchObject({ ok: false, reason: 'too_large' })
    expect(attacker.connected).toBe(true)
    expect(await roomState()).toMatchObject({ seq: 1 })
    await bystanderStillServed(2)
  })

  it('a deeply nested value is refused too_large', async () => {
    let value: unknown = 1
    for (let i = 0; i < 200; i++) value = { v: value }
    const res = await pushRaw([change([{ op: 'add', path: ['deep'], value }])])
    expect(res).toMatchObject({ ok: true, results: [{ reason: 'too_large' }] })
    expect(await roomState()).toMatchObject({ seq: 1 })
  })

  it('a path deeper than the limit is refused too_large', async () => {
    const path = Array.from({ length: 40 }, (_, i) => `p${i}`)
    const res = await pushRaw([change([{ op: 'add', path, value: 1 }])])
    expect(res).toMatchObject({ ok: true, results: [{ reason: 'too_large' }] })
  })

  it('more changes in one push than the limit are refused as a whole', async () => {
    const changes = Array.from({ length: 101 }, (_, i) =>
      change([{ op: 'add', path: [`k${i}`], value: i }], `evil:${i + 1}`),
    )
    expect(await pushRaw(changes)).toMatchObject({ ok: false, reason: 'too_large' })
    expect(await roomState()).toMatchObject({ seq: 1 })
  })

  it('a forged seq is ignored: the relay assigns the next sequence itself', async () => {
    const res = await pushRaw([
      { ...change([{ op: 'add', path: ['x'], value: 1 }]), seq: 999, origin: 'good' },
    ])
    expect(res).toEqual({ ok: true, results: [{ id: 'evil:1', seq: 2 }] })
    const state = await roomState()
    expect(state).toMatchObject({ seq: 2 })
  })

  it('a change id claiming another client is refused, so it cannot poison that client’s exactly-once record', async () => {
    const res = await pushRaw([change([{ op: 'add', path: ['x'], value: 1 }], 'good:2')])
    expect(res).toMatchObject({ ok: true, results: [{ id: 'good:2', reason: 'bad_request' }] })
    await bystanderStillServed(2)
  })

  it('a replayed id is acknowledged with its first sequence and applied once', async () => {
    const first = change([{ op: 'replace', path: ['doc', 'a'], value: 5 }])
    await pushRaw([first])
    expect(await pushRaw([first, first])).toEqual({
      ok: true,
      results: [
        { id: 'evil:1', seq: 2 },
        { id: 'evil:1', seq: 2 },
      ],
    })
    expect(await roomState()).toMatchObject({ seq: 2, snapshot: { doc: { a: 5 } } })
  })

  it('an id re-sent with other content is refused id_conflict and never reads as applied', async () => {
    const first = change([{ op: 'replace', path: ['doc', 'a'], value: 5 }])
    await pushRaw([first])
    const other = { ...first, ops: [{ op: 'replace', path: ['doc', 'a'], value: 6 }] }
    expect(await pushRaw([other])).toMatchObject({
      ok: true,
      results: [{ id: 'evil:1', reason: 'id_conflict' }],
    })
    expect(await roomState()).toMatchObject({ seq: 2, snapshot: { doc: { a: 5 } } })
  })

  it('a timestamp far in the future is refused, so it cannot win every later write', async () => {
    const res = await pushRaw([
      {
        id: 'evil:1',
        ts: ts(T0 + 365 * 86_400_000, 'evil'),
        ops: [{ op: 'add', path: ['x'], value: 1 }],
      },
    ])
    expect(res).toMatchObject({ ok: true, results: [{ reason: 'bad_request' }] })
  })

  it('joining more rooms than allowed is refused too_large', async () => {
    const s = await relay.connect()
    for (let i = 0; i < 100; i++) {
      expect(
        await ask(s, 'join', { room: `room${i}`, clientId: 'c', schemaVersion: 1 }),
      ).toMatchObject({ ok: true })
    }
    expect(
      await ask(s, 'join', { room: 'one-more', clientId: 'c', schemaVersion: 1 }),
    ).toMatchObject({
      ok: false,
      reason: 'too_large',
    })
  })

  it('a push to a room the socket has not joined is refused', async () => {
    expect(
      await askRaw(attacker, 'push', {
        room: 'other',
        changes: [change([{ op: 'add', path: ['x'], value: 1 }])],
      }),
    ).toMatchObject({
      ok: false,
      reason: 'bad_request',
    })
  })
})

describe('relay rate limits and abuse', () => {
  it('a flood of pushes is refused rate_limited while another client keeps being served', async () => {
    await boot({ limits: { messagesPerSecond: 5, maxViolations: 1000 } })
    const acks = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        pushRaw([change([{ op: 'add', path: [`k${i}`], value: i }], `evil:${i + 1}`)]),
      ),
    )
    const limited = acks.filter((a) => (a as { reason?: string }).reason === 'rate_limited')
    expect(limited.length).toBeGreaterThan(0)
    expect(limited.length).toBeLessThan(30)
    await bystanderStillServed(acks.length - limited.length + 2)
  })

  it('more changes per second than allowed are refused rate_limited', async () => {
    await boot({ limits: { changesPerSecond: 10, maxViolations: 1000 } })
    const changes = Array.from({ length: 30 }, (_, i) =>
      change([{ op: 'add', path: [`k${i}`], value: i }], `evil:${i + 1}`),
    )
    expect(await pushRaw(changes)).toMatchObject({ ok: false, reason: 'rate_limited' })
  })

  it('changes-per-second refusals never disconnect: an honest client may re-push a long offline queue', async () => {
    await boot({ limits: { changesPerSecond: 10, maxViolations: 1 } })
    const changes = Array.from({ length: 30 }, (_, i) =>
      change([{ op: 'add', path: [`k${i}`], value: i }], `evil:${i + 1}`),
    )
    for (let i = 0; i < 3; i++) {
      expect(await pushRaw(changes)).toMatchObject({ ok: false, reason: 'rate_limited' })
    }
    expect(attacker.connected).toBe(true)
  })

  it('a socket that keeps sending refused messages gets a goodbye and is disconnected; others stay connected', async () => {
    await boot({ limits: { maxViolations: 3 } })
    const goodbye = new Promise((resolve) => attacker.once('goodbye', resolve))
    const disconnected = new Promise((resolve) => attacker.once('disconnect', resolve))
    for (let i = 0; i < 5; i++) void askRaw(attacker, 'push', 'garbage')
    expect(await goodbye).toMatchObject({ reason: 'bad_request' })
    await disconnected
    expect(bystander.connected).toBe(true)
    await bystanderStillServed(2)
  })

  it('refused messages sent without waiting for answers are each answered before the goodbye', async () => {
    await boot({ limits: { maxViolations: 3, maxPayloadBytes: 400 } })
    const seen: string[] = []
    attacker.on('goodbye', (info) => seen.push(`goodbye:${info.reason}`))
    const disconnected = new Promise((resolve) => attacker.once('disconnect', resolve))
    // Refusals that take the handlers different times (a room's authorization
    // awaited, or none), so the budget runs out while earlier ones are pending.
    const unjoined = { room: 'other', changes: [change([{ op: 'add', path: ['x'], value: 1 }])] }
    const oversized = {
      room: 'r',
      changes: [change([{ op: 'add', path: ['x'], value: 'x'.repeat(500) }])],
    }
    const sent = [unjoined, unjoined, unjoined, ...Array.from({ length: 9 }, () => oversized)]
    for (const [i, message] of sent.entries()) {
      ;(attacker.emit as (e: string, r: unknown, ack: (res: unknown) => void) => void)(
        'push',
        message,
        (ack) => seen.push(`ack${i + 1}:${(ack as { reason?: unknown }).reason}`),
      )
    }
    await disconnected
    const answered = seen.filter((e) => e.startsWith('ack'))
    const numbers = answered.map((e) => Number(e.slice(3, e.indexOf(':')))).sort((a, b) => a - b)
    // The relay answers every message it received before its goodbye: a prefix of those sent.
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => i + 1))
    expect(numbers.length).toBeGreaterThan(3)
    expect(answered.every((e) => !e.endsWith(':undefined'))).toBe(true)
    expect(seen.at(-1)).toMatch(/^goodbye:/)
    expect(seen.filter((e) => e.startsWith('goodbye'))).toHaveLength(1)
  })

  it('the refused message that uses up the violation budget is answered before the goodbye', async () => {
    await boot({ limits: { maxViolations: 1 } })
    expect(await askRaw(attacker, 'push', 'garbage')).toMatchObject({ ok: false })
    const seen: unknown[] = []
    attacker.on('goodbye', (info) => seen.push(['goodbye', info.reason]))
    const disconnected = new Promise((resolve) => attacker.once('disconnect', resolve))
    ;(attacker.emit as (e: string, r: unknown, ack: (res: unknown) => void) => void)(
      'push',
      'garbage',
      (ack) => seen.push(['ack', (ack as { reason?: unknown }).reason]),
    )
    await disconnected
    expect(seen).toEqual([
      ['ack', 'bad_request'],
      ['goodbye', 'bad_request'],
    ])
  })
})
