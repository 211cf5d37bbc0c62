import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { io as connectClient } from 'socket.io-client'
import { afterAll, describe, expect, it } from 'vitest'
import { parseRelayArgs } from '../../server/cli/parseRelayArgs'
import { trackRelayProcesses } from './cliProcess'
import type { ClientSocket } from './helpers'

const dir = mkdtempSync(join(tmpdir(), 'patchwire-cli-'))
writeFileSync(join(dir, 'index.html'), '<h1>hello</h1>')
const { start, sockets } = trackRelayProcesses<ClientSocket>()
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('patchwire relay CLI', () => {
  it('serves GET /healthz as JSON with rooms, sockets and store state', async () => {
    const p = await start(['--port', '0', '--memory'])
    const res = await fetch(`http://127.0.0.1:${p.port}/healthz`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ok: true, rooms: 0, sockets: 0, store: 'ok' })
  })

  it('prints the URL it listens on as a plain stdout line even with --log-level warn', async () => {
    const p = await start(['--port', '0', '--memory', '--log-level', 'warn'])
    expect(p.url).toBe(`http://127.0.0.1:${p.port}`)
    expect(p.lines.some((l) => l.msg === 'listening')).toBe(false)
    expect((await fetch(`${p.url}/healthz`)).status).toBe(200)
  })

  it('serves a static directory with --static and 404s what it lacks', async () => {
    const p = await start(['--port', '0', '--memory', '--static', dir])
    const page = await fetch(`http://127.0.0.1:${p.port}/`)
    expect(page.headers.get('content-type')).toMatch(/text\/html/)
    expect(await page.text()).toBe('<h1>hello</h1>')
    expect((await fetch(`http://127.0.0.1:${p.port}/missing.js`)).status).toBe(404)
    expect((await fetch(`http://127.0.0.1:${p.port}/..%2f..%2fetc%2fpasswd`)).status).toBe(404)
  })

  it('logs one JSON line per event, with level, msg and ts, and warns loudly when unauthenticated', async () => {
    const p = await start(['--port', '0', '--memory'])
    for (const line of p.lines) {
      expect(line).toEqual(
        expect.objectContaining({
          level: expect.any(String),
          msg: expect.any(String),
          ts: expect.any(String),
        }),
      )
    }
    expect(p.lines.some((l) => l.level === 'warn' && /NO AUTHENTICATION/.test(String(l.msg)))).toBe(
      true,
    )
  })

  it('on SIGTERM says goodbye to connected sockets and exits 0', async () => {
    const p = await start(['--port', '0', '--db', join(dir, 'term.db')])
    const socket: ClientSocket = connectClient(`http://127.0.0.1:${p.port}`, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    })
    sockets.push(socket)
    await new Promise((resolve) => socket.once('connect', () => resolve(undefined)))
    const bye = new Promise((resolve) => socket.once('goodbye', resolve))
    p.child.kill('SIGTERM')
    expect(await bye).toMatchObject({ reason: 'shutdown' })
    expect(await p.exited).toBe(0)
  })

  it('refuses to serve a non-loopback address without authentication', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'server/cli.ts', 'relay', '--port', '0', '--host', '0.0.0.0', '--memory'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let out = ''
    child.stdout.on('data', (d) => {
      out += String(d)
    })
    const code = await new Promise((resolve) => child.once('exit', resolve))
    expect(code).toBe(1)
    expect(out).toMatch(/--jwt-secret/)
  })

  it('parseRelayArgs rejects a bad port, naming the flag', () => {
    expect(() => parseRelayArgs(['--port', 'abc'])).toThrow(/--port/)
  })

  it('parseRelayArgs defaults to the embedded SQLite file on loopback port 8787', () => {
    expect(parseRelayArgs([], {})).toMatchObject({
      port: 8787,
      host: '127.0.0.1',
      db: './.data/patchwire.db',
    })
  })
})
