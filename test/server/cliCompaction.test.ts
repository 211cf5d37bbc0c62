import { describe, expect, it } from 'vitest'
import { trackRelayProcesses } from './cliProcess'
import { ask, type ClientSocket, connectRaw, ts } from './helpers'

const { start, sockets } = trackRelayProcesses<ClientSocket>()

const connect = (url: string) => connectRaw(url, sockets)

describe('patchwire relay --compact-every and --keep-tail', () => {
  it('after n changes a join from behind the kept tail gets a snapshot, one within it the changes', async () => {
    const p = await start(['--port', '0', '--memory', '--compact-every', '3', '--keep-tail', '1'])
    const writer = await connect(p.url)
    await ask(writer, 'join', { room: 'r', schemaVersion: 1, clientId: 'w' })
    const changes = [1, 2, 3].map((n) => ({
      id: `w:${n}`,
      ts: ts(Date.now(), 'w', n),
      ops: [{ op: 'add' as const, path: [`k${n}`], value: n }],
    }))
    expect(await ask(writer, 'push', { room: 'r', changes })).toMatchObject({ ok: true })
    const reader = await connect(p.url)
    // The join reads on the room's queue, behind the compaction the third change started.
    const behind = await ask(reader, 'join', {
      room: 'r',
      since: 1,
      schemaVersion: 1,
      clientId: 'r',
    })
    const within = await ask(reader, 'join', {
      room: 'r',
      since: 2,
      schemaVersion: 1,
      clientId: 'r',
    })
    expect(behind).toMatchObject({ ok: true, seq: 3, snapshot: { k1: 1, k2: 2, k3: 3 } })
    expect(within).toMatchObject({ ok: true, seq: 3, changes: [{ seq: 3 }] })
    expect(within).not.toHaveProperty('snapshot')
  })
})
