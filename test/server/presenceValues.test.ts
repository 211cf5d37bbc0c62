import { afterEach, describe, expect, it } from 'vitest'
import type { PresenceEvent } from '../../src/protocol'
import { ask, askRaw, type ClientSocket, startRelay, until } from './helpers'

type Started = Awaited<ReturnType<typeof startRelay>>
let relay: Started | undefined

afterEach(async () => {
  await relay?.stop()
  relay = undefined
})

async function member(r: Started, clientId: string) {
  const socket: ClientSocket = await r.connect()
  const events: PresenceEvent[] = []
  socket.on('presence', (e) => events.push(e))
  expect(await ask(socket, 'join', { room: 'r', clientId, schemaVersion: 1 })).toMatchObject({
    ok: true,
  })
  return { socket, events }
}

/** An object with `key` as an own property, as a parsed message carries it. */
const ownKey = (key: string, value: unknown) => JSON.parse(`{"${key}": ${JSON.stringify(value)}}`)

/** Sends `bad`, then a good value, and returns what a member saw: only the good one may arrive. */
async function setThenGood(bad: unknown) {
  relay = await startRelay()
  const a = await member(relay, 'alice')
  const b = await member(relay, 'bob')
  const refused = await askRaw(a.socket, 'presence:set', { room: 'r', value: bad })
  expect(await ask(a.socket, 'presence:set', { room: 'r', value: 'ok' })).toMatchObject({
    ok: true,
  })
  await until(() => b.events.some((e) => e.type !== 'snapshot'))
  return { refused, seen: b.events.filter((e) => e.type !== 'snapshot') }
}

describe('presence values the relay refuses', () => {
  it('a value holding a forbidden key at any depth is refused bad_request and not broadcast', async () => {
    const { refused, seen } = await setThenGood([1, { cursor: ownKey('constructor', { x: 1 }) }])
    expect(refused).toMatchObject({ ok: false, reason: 'bad_request' })
    expect((refused as { message: string }).message).toMatch(/constructor/)
    expect(seen).toEqual([
      { room: 'r', type: 'join', ttlMs: 30_000, entry: expect.objectContaining({ value: 'ok' }) },
    ])
  })

  it('a value holding a binary attachment is refused bad_request and not broadcast', async () => {
    const { refused, seen } = await setThenGood({ avatar: Buffer.from([1, 2, 3]) })
    expect(refused).toMatchObject({ ok: false, reason: 'bad_request' })
    expect(seen).toEqual([
      { room: 'r', type: 'join', ttlMs: 30_000, entry: expect.objectContaining({ value: 'ok' }) },
    ])
  })
})

describe('deep presence values', () => {
  it('a value nested deeper than maxValueDepth is refused too_large and not broadcast', async () => {
    // 4,001 bytes, within the default maxPresenceBytes, and deep enough to
    // overflow the stack of a member store that copies it level by level.
    let deep: unknown = 1
    for (let i = 0; i < 2_000; i++) deep = [deep]
    const { refused, seen } = await setThenGood(deep)
    expect(refused).toMatchObject({ ok: false, reason: 'too_large' })
    expect((refused as { message: string }).message).toMatch(/32 levels/)
    expect(seen).toEqual([
      { room: 'r', type: 'join', ttlMs: 30_000, entry: expect.objectContaining({ value: 'ok' }) },
    ])
  })

  it('a value nested exactly maxValueDepth levels is broadcast', async () => {
    let deep: unknown = 1
    for (let i = 0; i < 31; i++) deep = [deep]
    relay = await startRelay()
    const a = await member(relay, 'alice')
    const b = await member(relay, 'bob')
    expect(await ask(a.socket, 'presence:set', { room: 'r', value: deep })).toMatchObject({
      ok: true,
    })
    await until(() => b.events.some((e) => e.type === 'join'))
    expect(b.events.find((e) => e.type === 'join')).toMatchObject({ entry: { value: deep } })
  })
})

describe('presence in rooms named like Object.prototype members', () => {
  it.each(['constructor', '__proto__', 'valueOf'])(
    'a socket joining room %s gets an empty snapshot, not Object.prototype',
    async (room) => {
      relay = await startRelay()
      const socket = await relay.connect()
      // Its presence in another room is what the snapshot must not misread.
      await ask(socket, 'join', { room: 'other', clientId: 'c', schemaVersion: 1 })
      await ask(socket, 'presence:set', { room: 'other', value: 'here' })
      const events: PresenceEvent[] = []
      socket.on('presence', (e) => events.push(e))
      await ask(socket, 'join', { room, clientId: 'c', schemaVersion: 1 })
      await until(() => events.some((e) => e.room === room))
      expect(events.find((e) => e.room === room)).toEqual({
        room,
        type: 'snapshot',
        ttlMs: 30_000,
        entries: [],
      })
    },
  )
})
