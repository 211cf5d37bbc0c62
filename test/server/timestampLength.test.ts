import { afterEach, describe, expect, it } from 'vitest'
import { ask, startRelay, ts } from './helpers'

type Started = Awaited<ReturnType<typeof startRelay>>
let relay: Started | undefined

afterEach(async () => {
  await relay?.stop()
  relay = undefined
})

const T0 = Date.now()

describe('the length of a change timestamp', () => {
  it('a timestamp whose node is longer than maxIdLength is refused too_large and not stored', async () => {
    relay = await startRelay({ limits: { maxIdLength: 64 } })
    const socket = await relay.connect()
    await ask(socket, 'join', { room: 'r', clientId: 'c', schemaVersion: 1 })
    const long = ts(T0, 'n'.repeat(65))
    const ack = await ask(socket, 'push', {
      room: 'r',
      changes: [{ id: 'c:1', ts: long, ops: [{ op: 'add', path: ['a'], value: 1 }] }],
    })
    expect(ack).toMatchObject({ ok: true, results: [{ id: 'c:1', reason: 'too_large' }] })
    expect(await relay.relay.read('r')).toEqual({ seq: 0, state: {} })
  })

  it('a timestamp whose node is as long as maxIdLength is accepted', async () => {
    relay = await startRelay({ limits: { maxIdLength: 64 } })
    const socket = await relay.connect()
    await ask(socket, 'join', { room: 'r', clientId: 'c', schemaVersion: 1 })
    const ack = await ask(socket, 'push', {
      room: 'r',
      changes: [
        { id: 'c:1', ts: ts(T0, 'n'.repeat(64)), ops: [{ op: 'add', path: ['a'], value: 1 }] },
      ],
    })
    expect(ack).toEqual({ ok: true, results: [{ id: 'c:1', seq: 1 }] })
  })
})
