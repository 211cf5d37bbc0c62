import { afterEach, describe, expect, it } from 'vitest'
import type { RelayLogEntry, RelayOptions } from '../../server/relay/types'
import { ask, startRelay, ts } from './helpers'

type Started = Awaited<ReturnType<typeof startRelay>>
let running: Started[] = []
const start = async (options: RelayOptions = {}) => {
  const r = await startRelay(options)
  running.push(r)
  return r
}
afterEach(async () => {
  await Promise.all(running.map((r) => r.stop()))
  running = []
})

describe('relay.observe', () => {
  it('tells an observer of joins, verdicts and broadcasts after the fact, until it is removed', async () => {
    const { connect, relay } = await start()
    const told: string[] = []
    const remove = relay.observe({
      joined: (room) => told.push(`joined ${room}`),
      pushed: (room, results) => told.push(`pushed ${room} ${results.length}`),
      broadcast: (change) => told.push(`broadcast ${change.id}`),
    })
    const a = await connect()
    await ask(a, 'join', { room: 'r', clientId: 'a', schemaVersion: 1 })
    const change = {
      id: 'a:1',
      ts: ts(Date.now(), 'a'),
      ops: [{ op: 'add' as const, path: ['x'], value: 1 }],
    }
    await ask(a, 'push', { room: 'r', changes: [change] })
    expect(told).toEqual(['joined r', 'broadcast a:1', 'pushed r 1'])
    remove()
    await ask(a, 'join', { room: 'r2', clientId: 'a', schemaVersion: 1 })
    expect(told).toHaveLength(3)
  })

  it('logs an observer that throws and still answers the client', async () => {
    const logged: RelayLogEntry[] = []
    const { connect, relay } = await start({ log: (e) => logged.push(e) })
    relay.observe({
      joined: () => {
        throw new Error('observer bug')
      },
    })
    const a = await connect()
    expect(await ask(a, 'join', { room: 'r', clientId: 'a', schemaVersion: 1 })).toMatchObject({
      ok: true,
    })
    expect(logged).toContainEqual(
      expect.objectContaining({ level: 'error', msg: 'relay observer failed', event: 'joined' }),
    )
  })
})
