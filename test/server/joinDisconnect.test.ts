import { afterEach, describe, expect, it } from 'vitest'
import { startRelay, until } from './helpers'

type Started = Awaited<ReturnType<typeof startRelay>>
let relay: Started | undefined

afterEach(async () => {
  await relay?.stop()
  relay = undefined
})

describe('a socket that disconnects while its join is checked', () => {
  it('is not joined afterwards, so the relay holds no room for it', async () => {
    let letThrough: () => void = () => {}
    let asked: () => void = () => {}
    const authorizing = new Promise<void>((resolve) => {
      asked = resolve
    })
    relay = await startRelay({
      // The first join's access check waits until the test lets it through.
      authorize: (_principal, room) =>
        room !== 'r'
          ? true
          : new Promise<boolean>((resolve) => {
              asked()
              letThrough = () => resolve(true)
            }),
    })
    const socket = await relay.connect()
    socket.emit('join', { room: 'r', clientId: 'c', schemaVersion: 1 }, () => {})
    await authorizing
    socket.disconnect()
    await until(() => relay!.relay.counts().sockets === 0)
    letThrough()
    // A later socket's join and leave settle after the first join was decided.
    const other = await relay.connect()
    await new Promise((resolve) =>
      other.emit('join', { room: 'other', clientId: 'o', schemaVersion: 1 }, resolve),
    )
    expect(relay.relay.io.of('/').adapter.rooms.has('r')).toBe(false)
    expect(relay.relay.counts().rooms).toBe(1)
  })
})
