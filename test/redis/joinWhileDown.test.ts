import { randomUUID } from 'node:crypto'
import { io } from 'socket.io-client'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { jwtAuth } from '../../server/auth/jwtAuth'
import type { JoinAck } from '../../src/protocol'
import { eventually, startRelay } from '../sync/helpers'
import { PROPERTY_JWT_SECRET, propertyTokens } from '../sync/propertyAuth'
import { type RedisServer, startRedisServer } from './redisServer'

// Whether a client id is another user's is a question for the store: while
// Redis is down the relay cannot tell, and must neither let the join in nor
// call it forbidden. It answers `unavailable` and says why, so the client
// tries again; once Redis is back the same join gets its real answer.

let redis: RedisServer
const stops: (() => Promise<void>)[] = []
beforeAll(async () => {
  redis = await startRedisServer({ appendonly: true })
})
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop()
  await redis.restart()
})
afterAll(async () => {
  await redis?.close()
})

describe('a join that the store must check while Redis is down', () => {
  it('is refused unavailable naming Redis, and forbidden once Redis is back', async () => {
    const tokens = await propertyTokens(['alice', 'mallory'])
    const relay = await startRelay({
      redis: { connection: redis.url, prefix: `j${randomUUID()}:` },
      authenticate: jwtAuth({ secret: PROPERTY_JWT_SECRET }),
    })
    stops.push(relay.stop)
    const join = (principal: string, clientId: string) => {
      const socket = io(relay.url, {
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
        auth: tokens(principal),
      })
      return new Promise<JoinAck>((resolve) =>
        socket.emit('join', { room: 'r', schemaVersion: 1, clientId }, (ack: JoinAck) => {
          socket.disconnect()
          resolve(ack)
        }),
      )
    }
    const push = (principal: string, clientId: string) => {
      const socket = io(relay.url, {
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
        auth: tokens(principal),
      })
      return new Promise<unknown>((resolve) =>
        socket.emit('join', { room: 'r', schemaVersion: 1, clientId }, () =>
          socket.emit(
            'push',
            {
              room: 'r',
              changes: [
                {
                  id: `${clientId}:1`,
                  ts: `${String(Date.now()).padStart(15, '0')}-000000-${clientId}`,
                  ops: [{ op: 'add', path: ['todos'], value: { items: [] } }],
                },
              ],
            },
            (ack: unknown) => {
              socket.disconnect()
              resolve(ack)
            },
          ),
        ),
      )
    }
    // Alice's first push binds the id "kiosk" to her.
    expect(await push('alice', 'kiosk')).toMatchObject({ ok: true })
    await redis.stop()
    const during = await join('mallory', 'kiosk')
    expect(during).toMatchObject({ ok: false, reason: 'unavailable' })
    expect((during as { message: string }).message).toMatch(/Redis is unavailable/)
    await redis.restart()
    await eventually(async () => {
      expect(await join('mallory', 'kiosk')).toMatchObject({ ok: false, reason: 'forbidden' })
    }, 30_000)
    expect(await join('alice', 'kiosk')).toMatchObject({ ok: true })
  }, 60_000)
})
