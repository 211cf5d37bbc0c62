import { io } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import { sync } from '../../middleware/sync/sync'
import { eventually, live, makeStore, settings } from '../sync/helpers'
import { trackRelayProcesses } from './cliProcess'
import { askRaw, type ClientSocket, connectRaw, ts } from './helpers'
import { scrapeMetrics } from './scrapeMetrics'

const { start, sockets } = trackRelayProcesses<ClientSocket>()

const RATE = 5000
const SECONDS = 2
const WRITES = RATE * SECONDS

/** Every push ack the socket receives: each accepted id, each refusal's reason. */
function recordPushAcks(socket: ClientSocket) {
  const accepted = new Map<string, number>()
  const refusals: string[] = []
  const emit = socket.emit.bind(socket) as (...args: unknown[]) => unknown
  ;(socket as unknown as { emit: (...args: unknown[]) => unknown }).emit = (...args) => {
    const ack = args[2]
    if (args[0] === 'push' && typeof ack === 'function') {
      args[2] = (res: {
        ok: boolean
        reason?: string
        results?: { id: string; seq?: number; reason?: string }[]
      }) => {
        if (!res.ok) refusals.push(res.reason ?? '?')
        for (const r of res.results ?? []) {
          if (r.seq !== undefined) accepted.set(r.id, (accepted.get(r.id) ?? 0) + 1)
          else refusals.push(r.reason ?? '?')
        }
        ack(res)
      }
    }
    return emit(...args)
  }
  return { accepted, refusals }
}

/** Dispatches `total` writes at `perSecond`, catching up on each timer turn (timers fire late on a busy machine). */
async function writeAtRate(write: (n: number) => void, perSecond: number, total: number) {
  const started = performance.now()
  let done = 0
  while (done < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * perSecond))
    while (done < due) write(done++)
    await new Promise((r) => setTimeout(r, 1))
  }
}

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

  it('one sync writer at 5,000 writes/s for 2 s is never refused rate_limited and every change is acknowledged once', async () => {
    const relay = await start(['--port', '0', '--memory'])
    const socket: ClientSocket = io(relay.url, { transports: ['websocket'], forceNew: true })
    sockets.push(socket)
    const acks = recordPushAcks(socket)
    const mw = sync({ room: 'honest', allowKeys: ['settings'], socket })
    const store = makeStore([mw.middleware])
    try {
      await live(store, 'honest')
      // The room's first state (the store's initial settings) is pushed on join: not one of the writes.
      await eventually(() => expect(store.getState().patchwire.sync.honest?.pending).toBe(0))
      const seededSeq = store.getState().patchwire.sync.honest?.lastSeq ?? 0
      await writeAtRate(
        (n) => store.dispatch(settings.actions.fieldSet({ key: `k${n % 500}`, value: n })),
        RATE,
        WRITES,
      )
      await eventually(() => {
        expect(store.getState().patchwire.sync.honest?.pending).toBe(0)
      }, 120_000)
      expect(acks.refusals).toEqual([])
      // Acknowledged by a push answer, or (after a reconnect on a busy machine) by the log on rejoin:
      // the room holds each write once.
      expect(store.getState().patchwire.sync.honest?.lastSeq).toBe(seededSeq + WRITES)
      expect([...acks.accepted.values()].every((times) => times === 1)).toBe(true)
      const metrics = await scrapeMetrics(relay.url)
      expect(
        metrics.value('patchwire_relay_requests_refused_total', {
          request: 'push',
          reason: 'rate_limited',
        }),
      ).toBe(0)
      expect(
        metrics.value('patchwire_relay_changes_refused_total', { reason: 'rate_limited' }),
      ).toBe(0)
    } finally {
      mw.stop()
    }
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
