import { afterEach, describe, expect, it } from 'vitest'
import { sync } from '../../middleware/sync/sync'
import type { RelaySocket } from '../../middleware/sync/types'
import { eventually, makeStore, startRelay, todos } from './helpers'

// A join (or catch-up) the relay cannot answer now (`unavailable`, while Redis
// restarts) is asked again after a short wait. When the connection dropped and
// came back within that wait and the new join was refused too, the retry of
// the old connection was still pending: it found a newer connection and did
// nothing, and it kept the new one from arming its own. The client stayed
// `connecting` for good.

let relay: Awaited<ReturnType<typeof startRelay>> | undefined
afterEach(async () => {
  await relay?.stop()
  relay = undefined
})

/** The real socket, with its first `refusals` joins answered `unavailable` by a stand-in. */
function refusingJoins(real: RelaySocket, refusals: number) {
  const joins: string[] = []
  const socket = new Proxy(real, {
    get(target, key, receiver) {
      if (key === 'emit') {
        return (event: string, ...args: unknown[]) => {
          const ack = args.at(-1)
          if (event === 'join' && joins.length < refusals && typeof ack === 'function') {
            joins.push('refused')
            ;(ack as (a: unknown) => void)({
              ok: false,
              reason: 'unavailable',
              message: 'Redis is unavailable; try again.',
            })
            return socket
          }
          if (event === 'join') joins.push('sent')
          ;(target.emit as (...a: unknown[]) => unknown).call(target, event, ...args)
          return socket
        }
      }
      const value = Reflect.get(target, key, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return { socket, joins }
}

describe('a join refused unavailable on a connection that drops and comes back', () => {
  it('is asked again on the new connection, which goes live', async () => {
    const r = await startRelay()
    relay = r
    const real = r.socketFor()
    const { socket, joins } = refusingJoins(real, 2)
    const mw = sync({ room: 'retry', allowKeys: ['todos'], socket })
    const store = makeStore([mw.middleware])
    await eventually(() => expect(joins).toEqual(['refused']))
    // The connection drops before the retry's wait is over; the new one's join is refused too.
    real.io.engine.close()
    await eventually(() => expect(joins).toEqual(['refused', 'refused']))
    store.dispatch(todos.actions.added('after the outage'))
    await eventually(
      () =>
        expect(store.getState().patchwire.sync.retry).toMatchObject({
          connection: 'live',
          pending: 0,
        }),
      5_000,
    )
    expect(joins).toEqual(['refused', 'refused', 'sent'])
    mw.stop()
  })
})
