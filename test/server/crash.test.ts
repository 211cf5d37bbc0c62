import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { io as connectClient } from 'socket.io-client'
import { afterAll, describe, expect, it } from 'vitest'
import type { RelayChange } from '../../src/protocol'
import { trackRelayProcesses } from './cliProcess'
import { ask, type ClientSocket, ts } from './helpers'

const dir = mkdtempSync(join(tmpdir(), 'patchwire-crash-'))
const { start, sockets } = trackRelayProcesses<ClientSocket>()
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const connect = (port: number): Promise<ClientSocket> => {
  const s: ClientSocket = connectClient(`http://127.0.0.1:${port}`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  })
  sockets.push(s)
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s))
    s.once('connect_error', reject)
  })
}

describe('relay crash durability on SQLite', () => {
  it('after SIGKILL mid-stream and a restart on the same file, every acknowledged change is present and clients resume', async () => {
    const db = join(dir, 'crash.db')
    const first = await start(['--port', '0', '--db', db])
    const acked = new Map<string, number>()
    const writers = await Promise.all(['a', 'b', 'c'].map(() => connect(first.port)))
    let killed = false
    const pushLoop = async (socket: ClientSocket, client: string) => {
      await ask(socket, 'join', { room: 'crash', clientId: client, schemaVersion: 1 })
      for (let i = 1; !killed; i++) {
        // A socket that already lost the relay would only buffer the push.
        if (!socket.connected) return
        const id = `${client}:${i}`
        // A push whose ack never comes (the relay died) must not block the loop's end.
        const ack = await Promise.race([
          ask(socket, 'push', {
            room: 'crash',
            changes: [
              { id, ts: ts(Date.now(), client, i), ops: [{ op: 'add', path: [id], value: i }] },
            ],
          }),
          new Promise<undefined>((resolve) => socket.once('disconnect', () => resolve(undefined))),
        ])
        if (!ack) return
        if (ack.ok) for (const r of ack.results) if ('seq' in r) acked.set(r.id, r.seq)
      }
    }
    const loops = writers.map((s, i) => pushLoop(s, ['a', 'b', 'c'][i]!))
    while (acked.size < 150) await new Promise((r) => setTimeout(r, 5))
    first.child.kill('SIGKILL')
    expect(await first.exited).toBe('SIGKILL')
    killed = true
    await Promise.all(loops)

    const second = await start(['--port', '0', '--db', db])
    const reader = await connect(second.port)
    const joined = await ask(reader, 'join', {
      room: 'crash',
      clientId: 'reader',
      since: 0,
      schemaVersion: 1,
    })
    expect(joined.ok).toBe(true)
    const log = joined.ok ? joined.changes : []
    const bySeq = new Map<string, number>(log.map((c: RelayChange) => [c.id, c.seq]))
    const missing = [...acked].filter(([id, seq]) => bySeq.get(id) !== seq)
    expect(missing).toEqual([])
    expect(log.map((c) => c.seq)).toEqual(log.map((_, i) => i + 1))

    const resumed = await connect(second.port)
    await ask(resumed, 'join', { room: 'crash', clientId: 'a', schemaVersion: 1 })
    const head = joined.ok ? joined.seq : -1
    const ack = await ask(resumed, 'push', {
      room: 'crash',
      changes: [
        {
          id: 'a:100000',
          ts: ts(Date.now() + 1, 'a'),
          ops: [{ op: 'add', path: ['after'], value: true }],
        },
      ],
    })
    expect(ack).toEqual({ ok: true, results: [{ id: 'a:100000', seq: head + 1 }] })
  })
})
