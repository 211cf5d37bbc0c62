import { describe, expect, it } from 'vitest'
import { isJoinAck } from '../../src/protocolGuards'
import { ask } from './helpers'
import { relayPerTest } from './relayPerTest'

const startRelay = relayPerTest()

describe('the push limits a join answer tells', () => {
  it('a join answer carries the relay’s changes-per-push and payload limits', async () => {
    const running = await startRelay({
      limits: { maxChangesPerPush: 250, maxPayloadBytes: 50_000 },
    })
    const a = await running.connect()
    const ack = await ask(a, 'join', { room: 'r', clientId: 'a', schemaVersion: 1 })
    expect(ack).toMatchObject({
      ok: true,
      limits: { maxChangesPerPush: 250, maxPayloadBytes: 50_000 },
    })
    expect(isJoinAck(ack)).toBe(true)
  })

  it('a join answer whose limits are not positive integers is malformed', () => {
    const ack = { ok: true, room: 'r', seq: 0, changes: [] }
    expect(isJoinAck({ ...ack, limits: { maxChangesPerPush: 0, maxPayloadBytes: 10 } })).toBe(false)
    expect(isJoinAck({ ...ack, limits: { maxChangesPerPush: 'many', maxPayloadBytes: 10 } })).toBe(
      false,
    )
    expect(isJoinAck(ack)).toBe(true)
  })
})
