import { describe, expect, it } from 'vitest'
import type { RelayChange, RelayChanges } from '../../src/protocol'
import { isRelayChanges } from '../../src/protocolGuards'
import { askRaw, type ClientSocket, collectChanges, oneAdd, until } from './helpers'
import { relayPerTest } from './relayPerTest'

const startRelay = relayPerTest()

const T0 = Date.now()
const change = oneAdd

/** Collects the `changes` frames a socket receives. */
function collectFrames(socket: ClientSocket): RelayChanges[] {
  const seen: RelayChanges[] = []
  socket.on('changes', (f) => seen.push(f))
  return seen
}

const join = (socket: ClientSocket, clientId: string, extra: Record<string, unknown> = {}) =>
  askRaw(socket, 'join', { room: 'r', clientId, schemaVersion: 1, ...extra })

const K = 5
const pushOfK = (client: string, from = 0) =>
  Array.from({ length: K }, (_, i) => change(`${client}:${i + 1}`, T0 + from + i, `k${i}`, i))

describe('changes sent as one frame per push', () => {
  it('a socket that joined with frames gets a push of several changes as one changes frame', async () => {
    const running = await startRelay()
    const writer = await running.connect()
    const reader = await running.connect()
    await join(writer, 'w', { echo: false, frames: true })
    await join(reader, 'f', { frames: true })
    const frames = collectFrames(reader)
    const events = collectChanges(reader)
    await askRaw(writer, 'push', { room: 'r', changes: pushOfK('w') })
    await until(() => frames.length > 0)
    expect(frames).toHaveLength(1)
    expect(isRelayChanges(frames[0])).toBe(true)
    expect(frames[0]!.room).toBe('r')
    expect(frames[0]!.changes.map((c) => [c.seq, c.id])).toEqual(
      Array.from({ length: K }, (_, i) => [i + 1, `w:${i + 1}`]),
    )
    // A later push from the reader's side reaches it as a frame too, and no change event ever came.
    await askRaw(writer, 'push', { room: 'r', changes: [change('w:9', T0 + 50, 'z', 1)] })
    await until(() => frames.length === 2)
    expect(events).toEqual([])
  })

  it('a socket that joined without frames gets the same changes as one change event each', async () => {
    const running = await startRelay()
    const writer = await running.connect()
    const capable = await running.connect()
    const legacy = await running.connect()
    await join(writer, 'w', { echo: false, frames: true })
    await join(capable, 'f', { frames: true })
    await join(legacy, 'l')
    const frames = collectFrames(capable)
    const events = collectChanges(legacy)
    const legacyFrames = collectFrames(legacy)
    await askRaw(writer, 'push', { room: 'r', changes: pushOfK('w') })
    await until(() => frames.length === 1 && events.length === K)
    const framed: RelayChange[] = frames[0]!.changes
    expect(events).toEqual(framed)
    expect(events.map((c) => c.seq)).toEqual([1, 2, 3, 4, 5])
    expect(legacyFrames).toEqual([])
  })

  it('a sender that joined with echo false gets neither the frame nor the events of its own push', async () => {
    const running = await startRelay()
    const sender = await running.connect()
    const other = await running.connect()
    await join(sender, 's', { echo: false, frames: true })
    await join(other, 'o', { frames: true })
    const frames = collectFrames(sender)
    const events = collectChanges(sender)
    await askRaw(sender, 'push', { room: 'r', changes: pushOfK('s') })
    await askRaw(other, 'push', { room: 'r', changes: [change('o:1', T0 + 50, 'z', 1)] })
    // Changes reach a socket in room order: the other's frame comes after any of the sender's own.
    await until(() => frames.length > 0)
    expect(frames.map((f) => f.changes.map((c) => c.id))).toEqual([['o:1']])
    expect(events).toEqual([])
  })

  it('a sender that joined with echo false and without frames gets none of its own change events', async () => {
    const running = await startRelay()
    const sender = await running.connect()
    const other = await running.connect()
    await join(sender, 's', { echo: false })
    await join(other, 'o', { frames: true })
    const events = collectChanges(sender)
    await askRaw(sender, 'push', { room: 'r', changes: pushOfK('s') })
    await askRaw(other, 'push', { room: 'r', changes: [change('o:1', T0 + 50, 'z', 1)] })
    await until(() => events.length > 0)
    expect(events.map((c) => c.id)).toEqual(['o:1'])
  })

  it('a socket that joins again without frames gets change events from then on', async () => {
    const running = await startRelay()
    const writer = await running.connect()
    const reader = await running.connect()
    await join(writer, 'w', { echo: false })
    await join(reader, 'f', { frames: true })
    await join(reader, 'f')
    const frames = collectFrames(reader)
    const events = collectChanges(reader)
    await askRaw(writer, 'push', { room: 'r', changes: pushOfK('w') })
    await until(() => events.length === K)
    await askRaw(writer, 'push', { room: 'r', changes: [change('w:9', T0 + 50, 'z', 1)] })
    await until(() => events.length === K + 1)
    expect(frames).toEqual([])
  })

  it('a socket that left the room gets no more frames', async () => {
    const running = await startRelay()
    const writer = await running.connect()
    const reader = await running.connect()
    await join(writer, 'w', { echo: false })
    await join(reader, 'f', { frames: true })
    const frames = collectFrames(reader)
    await askRaw(reader, 'leave', { room: 'r' })
    await askRaw(writer, 'push', { room: 'r', changes: pushOfK('w') })
    // Joined to another room, the reader sees that room's frame: nothing of `r` came before it.
    await askRaw(reader, 'join', { room: 'q', clientId: 'f', schemaVersion: 1, frames: true })
    await askRaw(writer, 'join', { room: 'q', clientId: 'w', schemaVersion: 1 })
    await askRaw(writer, 'push', { room: 'q', changes: [change('w:20', T0 + 60, 'z', 1)] })
    await until(() => frames.length > 0)
    expect(frames.map((f) => f.room)).toEqual(['q'])
  })

  it.each([
    ['a string', 'yes'],
    ['a number', 1],
    ['null', null],
    ['an object', { on: true }],
  ])('a join whose frames flag is %s is refused bad_request', async (_, frames) => {
    const running = await startRelay()
    const a = await running.connect()
    const ack = await join(a, 'a', { frames })
    expect(ack).toMatchObject({ ok: false, reason: 'bad_request' })
    expect((ack as { message: string }).message).toMatch(/^frames must be a boolean/)
  })

  it('a join with frames false is served change events, as without the flag', async () => {
    const running = await startRelay()
    const writer = await running.connect()
    const reader = await running.connect()
    await join(writer, 'w', { echo: false })
    expect(await join(reader, 'f', { frames: false })).toMatchObject({ ok: true })
    const frames = collectFrames(reader)
    const events = collectChanges(reader)
    await askRaw(writer, 'push', { room: 'r', changes: pushOfK('w') })
    await until(() => events.length === K)
    expect(frames).toEqual([])
  })

  it('a room named like the relay’s own frame-reader rooms cannot be joined', async () => {
    const running = await startRelay()
    const a = await running.connect()
    const ack = await askRaw(a, 'join', {
      room: '\u0000frames\u0000r',
      clientId: 'a',
      schemaVersion: 1,
    })
    expect(ack).toMatchObject({ ok: false, reason: 'forbidden' })
  })
})
