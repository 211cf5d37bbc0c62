import { afterEach, describe, expect, it } from 'vitest'
import { sync } from '../../middleware/sync/sync'
import { eventually, live, makeStore, startRelay } from './helpers'

let relay: Awaited<ReturnType<typeof startRelay>> | undefined
afterEach(async () => {
  await relay?.stop()
  relay = undefined
})

describe('sync: the join in the status slice', () => {
  it('a join the relay refuses puts the refusal reason in the room’s status', async () => {
    relay = await startRelay({ schemaVersion: '1.0' })
    const { store } = relay.client({ room: 'skewed', schemaVersion: '2.0' })
    await eventually(() =>
      expect(store.getState().patchwire.sync.skewed?.joinRefusal).toEqual({
        reason: 'skew',
        message: 'Room "skewed" holds schema major 1, the client sent 2.0.',
      }),
    )
    expect(store.getState().patchwire.sync.skewed).toMatchObject({ connection: 'offline' })
    expect(store.getState().patchwire.sync.skewed?.joinedOnce).toBeUndefined()
  })

  it('an accepted join marks the room joined once, and it stays so offline', async () => {
    relay = await startRelay()
    const { store, socket } = relay.client({ room: 'open' })
    await live(store, 'open')
    expect(store.getState().patchwire.sync.open).toMatchObject({
      joinedOnce: true,
      joinRefusal: null,
    })
    socket.disconnect()
    await eventually(() => expect(store.getState().patchwire.sync.open?.connection).toBe('offline'))
    expect(store.getState().patchwire.sync.open?.joinedOnce).toBe(true)
  })

  it('a room in peer mode counts as joined once its channel is live', async () => {
    const mw = sync({ mode: 'peer', room: 'tabs', allowKeys: ['todos'] })
    const store = makeStore([mw.middleware])
    try {
      await eventually(() => expect(store.getState().patchwire.sync.tabs?.joinedOnce).toBe(true))
    } finally {
      mw.stop()
    }
  })
})
