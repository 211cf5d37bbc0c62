import { createServer } from 'node:http'
import { SignJWT } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import { serveRoomSnapshot } from '../../../server/api/serveRoomSnapshot'
import { jwtAuth } from '../../../server/auth/jwtAuth'
import { parseRelayArgs } from '../../../server/cli/parseRelayArgs'
import { runRelay } from '../../../server/cli/runRelay'
import { createRelay } from '../../../server/createRelay'
import { startRelay } from '../helpers'

const SECRET = 'test-secret-that-is-long-enough-for-hs256'
const key = new TextEncoder().encode(SECRET)
const token = (claims: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(key)

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function secured() {
  const r = await startRelay({ authenticate: jwtAuth({ secret: SECRET }) })
  cleanups.push(r.stop)
  await r.relay.write('todos:1', [{ op: 'add', path: ['items'], value: ['milk'] }], {
    origin: 'seed',
  })
  return r
}

const get = async (url: string, bearer?: string) => {
  const res = await fetch(url, bearer ? { headers: { authorization: `Bearer ${bearer}` } } : {})
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

describe('GET /rooms/:room/snapshot', () => {
  it('answers the room state and sequence to a token allowed to read the room', async () => {
    const { url } = await secured()
    expect(await get(`${url}/rooms/todos%3A1/snapshot`, await token({ rooms: 'todos:*' }))).toEqual(
      { status: 200, body: { room: 'todos:1', seq: 1, state: { items: ['milk'] } } },
    )
  })

  it('answers 401 with a JSON error without a token', async () => {
    const { url } = await secured()
    expect(await get(`${url}/rooms/todos%3A1/snapshot`)).toMatchObject({
      status: 401,
      body: {
        error: { code: 'unauthenticated', message: expect.stringMatching(/Authorization: Bearer/) },
      },
    })
  })

  it('admits a handshake without headers by its auth token, and refuses one without a token cleanly', async () => {
    const { relay } = await secured()
    expect(
      await relay.admit(
        { auth: { token: await token({ rooms: '*' }) } } as never,
        'todos:1',
        'read',
      ),
    ).toMatchObject({ ok: true })
    expect(await relay.admit({ auth: {} } as never, 'todos:1', 'read')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/No token/),
    })
  })

  it('answers 401 to a token signed with another secret', async () => {
    const { url } = await secured()
    const forged = await new SignJWT({ rooms: '*' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('another-secret-of-enough-length!!'))
    expect(await get(`${url}/rooms/todos%3A1/snapshot`, forged)).toMatchObject({
      status: 401,
      body: { error: { code: 'unauthenticated' } },
    })
  })

  it('answers 403 to a valid token without read access to the room', async () => {
    const { url } = await secured()
    expect(
      await get(`${url}/rooms/todos%3A1/snapshot`, await token({ rooms: 'chat:*' })),
    ).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } })
  })

  it('answers 400 to a room name the relay refuses', async () => {
    const { url } = await secured()
    expect(
      await get(`${url}/rooms/${'x'.repeat(300)}/snapshot`, await token({ rooms: '*' })),
    ).toMatchObject({ status: 400, body: { error: { code: 'bad_request' } } })
  })

  it('is served by the relay CLI with its JWT settings', async () => {
    const running = await runRelay(
      parseRelayArgs(['--port', '0', '--memory', '--jwt-secret', SECRET, '--log-level', 'error']),
      () => {},
    )
    cleanups.push(running.shutdown)
    await running.relay.write('todos:1', [{ op: 'add', path: ['n'], value: 1 }], { origin: 'seed' })
    expect(await get(`${running.url}/rooms/todos%3A1/snapshot`)).toMatchObject({ status: 401 })
    expect(
      await get(`${running.url}/rooms/todos%3A1/snapshot`, await token({ rooms: 'todos:1' })),
    ).toEqual({ status: 200, body: { room: 'todos:1', seq: 1, state: { n: 1 } } })
  })

  it('mounts on an http server of your own beside its other routes', async () => {
    const server = createServer(async (req, res) => {
      if (await serveRoomSnapshot(req, res, relay)) return
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"app":true}')
    })
    const relay = createRelay({ httpServer: server, authenticate: jwtAuth({ secret: SECRET }) })
    cleanups.push(() => relay.close())
    const port = await relay.listen(0, '127.0.0.1')
    const url = `http://127.0.0.1:${port}`
    await relay.write('r', [{ op: 'add', path: ['n'], value: 2 }], { origin: 'seed' })
    expect(await get(`${url}/rooms/r/snapshot`, await token({ rooms: 'r' }))).toEqual({
      status: 200,
      body: { room: 'r', seq: 1, state: { n: 2 } },
    })
    expect(await get(`${url}/rooms/r/snapshot`)).toMatchObject({ status: 401 })
    expect(await get(`${url}/elsewhere`)).toEqual({ status: 200, body: { app: true } })
  })
})
