import { describe, expect, it } from 'vitest'
import { trackRelayProcesses } from './cliProcess'
import { askRaw, type ClientSocket, connectRaw, ts } from './helpers'

const { start, sockets } = trackRelayProcesses<ClientSocket>()

const RATE = 5000
const SECONDS = 2
const WRITES = RATE * SECONDS

/**
 * Pushes `total` changes due at `perSecond` the way the sync client does: one
 * push in flight, carrying everything that queued meanwhile (at most 64).
 */
async function pushLikeSyncClient(
  socket: ClientSocket,
  room: string,
  perSecond: number,
  total: number,
) {
  const refusals: unknown[] = []
  let accepted = 0
  let queued = 0
  let next = 1
  let inFlight = false
  const started = performance.now()
  while (accepted + refusals.length < total) {
    queued =
      Math.min(total, Math.floor(((performance.now() - started) / 1000) * perSecond)) - next + 1
    if (!inFlight && queued > 0) {
      const changes = Array.from({ length: Math.min(queued, 64) }, () => {
        const n = next++
        return {
          id: `h:${n}`,
          ts: ts(Date.now(), 'h', n),
          ops: [{ op: 'add', path: [`k${n % 500}`], value: n }],
        }
      })
      inFlight = true
      void askRaw(socket, 'push', { room, changes }).then((res) => {
        inFlight = false
        const ack = res as { ok: boolean; results?: { seq?: number }[] }
        // A push refused as a whole refuses each of its changes.
        if (!ack.ok) for (const _ of changes) refusals.push(ack)
        for (const r of ack.results ?? []) {
          if (r.seq !== undefined) accepted++
          else refusals.push(r)
        }
      })
    }
    await new Promise((r) => setTimeout(r, 1))
  }
  return { accepted, refusals }
}

describe('patchwire relay default limits', () => {
  it('a client pushing 5,000 changes/s for 2 s with one push in flight is never refused rate_limited', async () => {
    const relay = await start(['--port', '0', '--memory'])
    const socket = await connectRaw(relay.url, sockets)
    await askRaw(socket, 'join', { room: 'paced', schemaVersion: 1, clientId: 'h' })
    const { accepted, refusals } = await pushLikeSyncClient(socket, 'paced', RATE, WRITES)
    expect(refusals).toEqual([])
    expect(accepted).toBe(WRITES)
  }, 180_000)

  it('a raw socket flooding pushes without waiting for answers is refused rate_limited', async () => {
    const relay = await start(['--port', '0', '--memory'])
    const socket = await connectRaw(relay.url, sockets)
    await askRaw(socket, 'join', { room: 'flood', schemaVersion: 1, clientId: 'f' })
    const answers = await Promise.all(
      Array.from({ length: 20_000 }, (_, n) =>
        askRaw(socket, 'push', {
          room: 'flood',
          changes: [
            {
              id: `f:${n + 1}`,
              ts: ts(Date.now(), 'f', n + 1),
              ops: [{ op: 'add', path: ['k'], value: n }],
            },
          ],
        }),
      ).map((p) =>
        Promise.race([p, new Promise((r) => socket.once('disconnect', () => r('gone')))]),
      ),
    )
    expect(answers).toContainEqual(expect.objectContaining({ ok: false, reason: 'rate_limited' }))
  }, 180_000)
})
