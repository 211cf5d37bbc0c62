import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SignJWT } from 'jose'
import { io as connectClient } from 'socket.io-client'
import { afterAll, describe, expect, it } from 'vitest'
import { trackRelayProcesses } from './cliProcess'
import { ask, type ClientSocket } from './helpers'

const dir = mkdtempSync(join(tmpdir(), 'patchwire-cli-auth-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const { start, sockets } = trackRelayProcesses<ClientSocket>()

const signer = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const pemFile = join(dir, 'relay.pub.pem')
writeFileSync(pemFile, signer.publicKey.export({ type: 'spki', format: 'pem' }))
const SECRET = 'a-secret-long-enough-for-any-hmac-algorithm-here'

interface Claims {
  iss?: string
  aud?: string
  nbf?: number
}

const sign = (claims: Claims, key: KeyObject | Uint8Array = signer.privateKey, alg = 'ES256') => {
  const jwt = new SignJWT({ rooms: '*' })
    .setProtectedHeader({ alg })
    .setSubject('ann')
    .setIssuedAt()
    .setExpirationTime('1h')
  if (claims.iss) jwt.setIssuer(claims.iss)
  if (claims.aud) jwt.setAudience(claims.aud)
  if (claims.nbf) jwt.setNotBefore(claims.nbf)
  return jwt.sign(key)
}
const hmac = (alg: string) => sign({}, new TextEncoder().encode(SECRET), alg)

/** Connects with `token`: resolves the socket, or the refusal's message. */
function connect(url: string, token: string): Promise<ClientSocket | string> {
  const socket: ClientSocket = connectClient(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: { token },
  })
  sockets.push(socket)
  return new Promise((resolve) => {
    socket.once('connect', () => resolve(socket))
    socket.once('connect_error', (err) => resolve(err.message))
  })
}

const base = ['--port', '0', '--memory']

describe('patchwire relay JWT flags', () => {
  it('--jwt-public-key verifies tokens signed by the private half of a PEM key and refuses others', async () => {
    const p = await start([...base, '--jwt-public-key', pemFile])
    const ok = await connect(p.url, await sign({}))
    const forged = await connect(p.url, await sign({}, stranger.privateKey))
    expect(typeof ok).toBe('object')
    expect(
      await ask(ok as ClientSocket, 'join', { room: 'r', schemaVersion: 1, clientId: 'c' }),
    ).toMatchObject({ ok: true })
    expect(forged).toMatch(/The token was refused/)
  })

  it('--jwt-public-key also takes a JWKS file', async () => {
    const file = join(dir, 'keys.json')
    const jwk = signer.publicKey.export({ format: 'jwk' })
    writeFileSync(file, JSON.stringify({ keys: [{ ...jwk, kid: 'k1', alg: 'ES256' }] }))
    const p = await start([...base, '--jwt-public-key', file])
    expect(typeof (await connect(p.url, await sign({})))).toBe('object')
    expect(await connect(p.url, await sign({}, stranger.privateKey))).toMatch(/refused/)
  })

  it('--jwks verifies tokens against the keys a JWKS URL serves', async () => {
    const jwk = signer.publicKey.export({ format: 'jwk' })
    const keys = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ keys: [{ ...jwk, kid: 'k1', alg: 'ES256', use: 'sig' }] }))
    })
    await new Promise<void>((resolve) => keys.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${(keys.address() as AddressInfo).port}/jwks.json`
      const p = await start([...base, '--jwks', url])
      expect(typeof (await connect(p.url, await sign({})))).toBe('object')
      expect(await connect(p.url, await sign({}, stranger.privateKey))).toMatch(/refused/)
    } finally {
      keys.closeAllConnections()
      await new Promise((resolve) => keys.close(resolve))
    }
  })

  it('--jwt-issuer refuses a token from another issuer and accepts any listed one', async () => {
    const p = await start([
      ...base,
      ...['--jwt-public-key', pemFile, '--jwt-issuer', 'https://a.example,https://b.example'],
    ])
    expect(typeof (await connect(p.url, await sign({ iss: 'https://b.example' })))).toBe('object')
    expect(await connect(p.url, await sign({ iss: 'https://evil.example' }))).toMatch(/"iss"/)
  })

  it('--jwt-audience refuses a token for another audience', async () => {
    const p = await start([...base, '--jwt-public-key', pemFile, '--jwt-audience', 'chat-app'])
    expect(typeof (await connect(p.url, await sign({ aud: 'chat-app' })))).toBe('object')
    expect(await connect(p.url, await sign({ aud: 'billing' }))).toMatch(/"aud"/)
  })

  it('--jwt-algorithm refuses a token signed with an algorithm not listed', async () => {
    const p = await start([...base, '--jwt-secret', SECRET, '--jwt-algorithm', 'HS512'])
    expect(typeof (await connect(p.url, await hmac('HS512')))).toBe('object')
    expect(await connect(p.url, await hmac('HS256'))).toMatch(/alg/)
  })

  it('--jwt-clock-tolerance accepts a token valid that many seconds from now', async () => {
    const p = await start([...base, '--jwt-public-key', pemFile, '--jwt-clock-tolerance', '120'])
    const now = Math.floor(Date.now() / 1000)
    expect(typeof (await connect(p.url, await sign({ nbf: now + 60 })))).toBe('object')
    expect(await connect(p.url, await sign({ nbf: now + 600 }))).toMatch(/"nbf"/)
  })
})
