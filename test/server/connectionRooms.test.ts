import { afterEach, describe, expect, it } from 'vitest'
import { ask, type ClientSocket, startRelay, ts } from './helpers'

type Started = Awaited<ReturnType<typeof startRelay>>
let relay: Started | undefined

afterEach(async () => {
  await relay?.stop()
  relay = undefined
})

/** Everything a socket receives, by event. */
function heard(socket: ClientSocket): { event: string; payload: unknown }[] {
  const seen: { event: string; payload: unknown }[] = []
  socket.onAny((event: string, payload: unknown) => seen.push({ event, payload }))
  return seen
}

describe('rooms named after a connection', () => {
  it('a join of a room named after another connection’s id is refused forbidden', async () => {
    relay = await startRelay()
    const victim = await relay.connect()
    const attacker = await relay.connect()
    const ack = await ask(attacker, 'join', {
      room: victim.id!,
      clientId: 'evil',
      schemaVersion: 1,
    })
    expect(ack).toMatchObject({ ok: false, reason: 'forbidden' })
  })

  it('changes and presence sent to a room named after a connection never reach it', async () => {
    relay = await startRelay()
    const victim = await relay.connect()
    const seen = heard(victim)
    const attacker = await relay.connect()
    const room = victim.id!
    await ask(attacker, 'join', { room, clientId: 'evil', schemaVersion: 1 })
    await ask(attacker, 'push', {
      room,
      changes: [
        { id: 'evil:1', ts: ts(Date.now(), 'evil'), ops: [{ op: 'add', path: ['x'], value: 1 }] },
      ],
    })
    await ask(attacker, 'presence:set', { room, value: 'here' })
    // The victim still gets what it asked for, after anything the attacker caused.
    expect(
      await ask(victim, 'join', { room: 'own', clientId: 'v', schemaVersion: 1 }),
    ).toMatchObject({
      ok: true,
    })
    expect(seen.filter((e) => (e.payload as { room?: unknown }).room === room)).toEqual([])
  })

  it('a room whose name is merely shaped like a connection id can be joined', async () => {
    relay = await startRelay()
    const socket = await relay.connect()
    const ack = await ask(socket, 'join', {
      room: 'abcdefghij-_ABCDEFGH',
      clientId: 'c',
      schemaVersion: 1,
    })
    expect(ack).toMatchObject({ ok: true, room: 'abcdefghij-_ABCDEFGH' })
  })
})
