import { io as connect, type Socket } from 'socket.io-client'
import { applyOps } from '../../src/applyOps'
import { createHlc, formatHlc } from '../../src/hlc'
import type {
  ClientToServerEvents,
  JoinAck,
  PushAck,
  RelayChange,
  ServerToClientEvents,
  WireChange,
} from '../../src/protocol'
import type { PatchOp } from '../../src/types'

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>

/**
 * A minimal relay client for the multi-node tests, speaking the wire protocol
 * with raw socket.io-client: it keeps the relay-confirmed state in sequence
 * order (buffering changes that arrive early, catching up on gaps), keeps its
 * unacknowledged changes and re-pushes them after every (re)join, and fails
 * over to the next URL of its list when its node goes away — what a load
 * balancer in front of the nodes would do for a browser client.
 */
export interface RelayTestClient {
  readonly clientId: string
  /** The relay-confirmed state, built only from the room's ordered changes. */
  state(): Record<string, unknown>
  /** The last sequence applied in order. */
  seq(): number
  /** id → sequence for every change the relay acknowledged to this client. */
  readonly acked: Map<string, number>
  /** Refusals other than `unavailable` (which is retried). */
  readonly rejected: { id: string; reason: string }[]
  /** Queues one change with these ops and pushes it. */
  push(ops: PatchOp[]): void
  /** Queues `count` appends of `{ by: clientId, n }` to `/items` and pushes them. */
  append(count: number): void
  /** Unacknowledged changes. */
  pending(): number
  /** How many of its changes the relay refused as `unavailable` (and were pushed again). */
  retried(): number
  /** How many times it connected (1 + failovers and reconnects). */
  connections(): number
  /** Resolves when nothing is pending and the confirmed sequence reached `seq`. */
  settled(seq: number): Promise<void>
  close(): void
}

export function relayTestClient(urls: string[], room: string, clientId: string): RelayTestClient {
  const clock = createHlc(clientId)
  let state: Record<string, unknown> = {}
  let seq = 0
  let joined = false
  let closed = false
  let counter = 0
  let urlIndex = urls.findIndex(() => true)
  let connectCount = 0
  let inFlight = false
  let retried = 0
  let socket: ClientSocket | undefined
  const early = new Map<number, RelayChange>()
  const pendingChanges: WireChange[] = []
  const acked = new Map<string, number>()
  const rejected: { id: string; reason: string }[] = []
  const waiters = new Set<() => void>()

  const notify = () => {
    for (const w of waiters) w()
  }

  const applyInOrder = () => {
    for (let next = early.get(seq + 1); next; next = early.get(seq + 1)) {
      early.delete(seq + 1)
      state = applyOps(state, next.ops)
      seq = next.seq
    }
    for (const s of early.keys()) if (s <= seq) early.delete(s)
    notify()
  }

  const absorb = (ack: JoinAck, s: ClientSocket): boolean => {
    if (!ack.ok) return false
    if ('snapshot' in ack && ack.seq > seq) {
      state = ack.snapshot
      seq = ack.seq
    }
    for (const c of ack.changes) if (c.seq > seq) early.set(c.seq, c)
    applyInOrder()
    // A change seen past a hole (another node's broadcast overtook): fetch the hole.
    if (early.size > 0 && socket === s) {
      const until = Math.min(...early.keys()) - 1
      s.emit('catchUp', { room, since: seq, until }, (res) => absorb(res, s))
    }
    return true
  }

  const flush = () => {
    const s = socket
    if (!s || !joined || inFlight || pendingChanges.length === 0) return
    inFlight = true
    const batch = pendingChanges.slice(0, 20)
    s.emit('push', { room, changes: batch }, (ack: PushAck) => {
      if (socket !== s) return
      inFlight = false
      if (ack.ok) {
        for (const r of ack.results) {
          const at = pendingChanges.findIndex((c) => c.id === r.id)
          if ('seq' in r) {
            acked.set(r.id, r.seq)
            if (at >= 0) pendingChanges.splice(at, 1)
          } else if (r.reason === 'unavailable') {
            retried++
          } else {
            rejected.push({ id: r.id, reason: r.reason })
            if (at >= 0) pendingChanges.splice(at, 1)
          }
        }
      }
      notify()
      // Retry refused-as-unavailable changes a little later rather than in a tight loop.
      setTimeout(flush, ack.ok && ack.results.every((r) => 'seq' in r) ? 0 : 50)
    })
  }

  const open = () => {
    if (closed) return
    const url = urls[urlIndex % urls.length] as string
    connectCount++
    joined = false
    inFlight = false
    const s: ClientSocket = connect(url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    })
    socket = s
    const failover = () => {
      if (socket !== s || closed) return
      socket = undefined
      s.removeAllListeners()
      s.disconnect()
      urlIndex++
      setTimeout(open, 50)
    }
    s.on('connect_error', failover)
    s.on('disconnect', failover)
    s.on('change', (c) => {
      if (socket !== s || c.room !== room || c.seq <= seq) return
      early.set(c.seq, c)
      if (joined) absorb({ ok: true, room, seq: c.seq, changes: [] }, s)
    })
    s.on('connect', () => {
      s.emit('join', { room, since: seq, schemaVersion: 1, clientId }, (ack) => {
        if (socket !== s) return
        if (!absorb(ack, s)) {
          // Refused (e.g. the store is unavailable): try again through the next node.
          failover()
          return
        }
        joined = true
        flush()
      })
    })
  }

  open()

  return {
    clientId,
    state: () => state,
    seq: () => seq,
    acked,
    rejected,
    push: (ops) => {
      counter++
      pendingChanges.push({ id: `${clientId}:${counter}`, ts: formatHlc(clock.now()), ops })
      flush()
    },
    append: (count) => {
      for (let i = 0; i < count; i++) {
        counter++
        pendingChanges.push({
          id: `${clientId}:${counter}`,
          ts: formatHlc(clock.now()),
          ops: [{ op: 'add', path: ['items', '-'], value: { by: clientId, n: counter } }],
        })
      }
      flush()
    },
    pending: () => pendingChanges.length,
    connections: () => connectCount,
    retried: () => retried,
    settled: (target) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (pendingChanges.length === 0 && seq >= target) {
            waiters.delete(check)
            resolve()
          }
        }
        waiters.add(check)
        check()
      }),
    close: () => {
      closed = true
      socket?.removeAllListeners()
      socket?.disconnect()
      socket = undefined
    },
  }
}
