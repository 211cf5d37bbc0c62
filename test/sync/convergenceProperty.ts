import fc from 'fast-check'
import { io } from 'socket.io-client'
import { expect } from 'vitest'
import { sync } from '../../middleware/sync/sync'
import type { SyncInstance } from '../../middleware/sync/types'
import type { JoinAck, PushAck, PushResult } from '../../src/protocol'
import type { PatchOp } from '../../src/types'
import { chaosSocket, seededRandom } from './chaosSocket'
import { type ClientSocket, eventually, makeStore, settings, synced, todos } from './helpers'

/**
 * The sync convergence property, shared by the single-relay (SQLite) and the
 * several-nodes (Redis) runs: 3–5 clients, random local edits (concurrent appends
 * to one array, conflicting writes to one field), delayed, re-ordered and
 * duplicated deliveries, disconnects, late joiners and relay restarts, with a
 * server-side writer (`relay.write`) writing among the clients. At the end
 * every client equals the relay's room state, every append is there exactly once,
 * and every acknowledged change is in the log at the sequence it was given.
 */

type Command =
  | { type: 'append'; client: number }
  | { type: 'set'; client: number; key: 'x' | 'y'; value: number }
  | { type: 'theme'; client: number; value: string }
  | { type: 'disconnect'; client: number }
  | { type: 'reconnect'; client: number }
  | { type: 'wait'; ms: number }
  | { type: 'join' }
  | { type: 'restart' }
  | { type: 'serverAppend' }
  | { type: 'serverSet'; key: 'x' | 'y'; value: number }

const client = fc.integer({ min: 0, max: 4 })
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ type: fc.constant('append' as const), client }) },
  {
    weight: 3,
    arbitrary: fc.record({
      type: fc.constant('set' as const),
      client,
      key: fc.constantFrom('x' as const, 'y' as const),
      value: fc.integer({ min: 0, max: 9 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('theme' as const),
      client,
      value: fc.constantFrom('dark', 'light', 'blue'),
    }),
  },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('serverAppend' as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('serverSet' as const),
      key: fc.constantFrom('x' as const, 'y' as const),
      value: fc.integer({ min: 10, max: 19 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('disconnect' as const), client }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('reconnect' as const), client }) },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('wait' as const),
      ms: fc.integer({ min: 0, max: 6 }),
    }),
  },
)
const scenario = fc.record({
  clients: fc.integer({ min: 3, max: 5 }),
  initial: fc.integer({ min: 2, max: 5 }),
  // Restarting the relay costs a reconnect for everyone: only some cases do it.
  restartAt: fc.oneof(
    { weight: 3, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 11 }) },
  ),
  commands: fc.array(command, { minLength: 4, maxLength: 12 }),
  chaos: fc.integer({ min: 1, max: 2 ** 30 }),
})

/** Where the clients connect and how the relay is restarted. */
export interface ConvergenceTarget {
  /** The relay URL client number `i` of a case connects to. */
  clientUrl(i: number): string
  /** A relay URL to read the room's log and snapshot through. */
  inspectUrl(): string
  /** Restarts the relay (or one node of several) during case number `caseNo`. */
  restart(caseNo: number): Promise<void>
  /** The `n`-th server-side write of a case: `relay.write` on the relay (or one of the nodes). */
  write(room: string, ops: PatchOp[], n: number): Promise<PushResult>
  /** The room's state through the server-side API (`relay.read`). */
  read(room: string): Promise<{ seq: number; state: Record<string, unknown> }>
}

/** What the disturbed runs went through, for the report line. */
export interface ConvergenceStats {
  gaps: number
  refetches: number
  restarts: number
  /** Server-side writes the relay accepted. */
  serverWrites: number
}

async function inspect(url: string, room: string): Promise<Extract<JoinAck, { ok: true }>> {
  const socket: ClientSocket = io(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  })
  try {
    const ack = await new Promise<JoinAck>((resolve) =>
      socket.emit('join', { room, since: 0, schemaVersion: 1, clientId: 'inspector' }, resolve),
    )
    if (!ack.ok) throw new Error(`inspector join refused: ${ack.message}`)
    return ack
  } finally {
    socket.disconnect()
  }
}

async function snapshotOf(url: string, room: string): Promise<Record<string, unknown>> {
  const socket: ClientSocket = io(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  })
  try {
    const ack = await new Promise<JoinAck>((resolve) =>
      socket.emit('join', { room, schemaVersion: 1, clientId: 'inspector' }, resolve),
    )
    if (!ack.ok || !('snapshot' in ack)) throw new Error('no snapshot')
    return ack.snapshot
  } finally {
    socket.disconnect()
  }
}

/** Runs the property; throws (through fast-check) with the failing case and its seed. */
export async function checkConvergence(
  target: ConvergenceTarget,
  options: { runs: number; seed: number },
): Promise<ConvergenceStats> {
  const seen: ConvergenceStats = { gaps: 0, refetches: 0, restarts: 0, serverWrites: 0 }
  let caseNo = 0
  await fc.assert(
    fc.asyncProperty(
      scenario,
      async ({ clients: n, initial: wanted, restartAt, commands, chaos }) => {
        const initial = Math.min(wanted, n)
        const room = `case-${++caseNo}`
        const random = seededRandom(chaos)
        const timers = new Set<unknown>()
        const acked = new Map<string, number>()
        const appended: string[] = []
        /** Server writes in flight, with the item each one appends (if it does). */
        const serverWrites: { verdict: Promise<PushResult>; item?: string }[] = []
        // Like a backend job writing into a room that exists: the server writes
        // once a client's seed is in (before, the paths' parents are missing).
        let seeded: Promise<void> | undefined
        const untilSeeded = async () => {
          // Bounded so a room that never gets seeded fails the case instead of hanging it.
          for (let attempt = 0; attempt < 4000; attempt++) {
            const { state } = await target.read(room).catch(() => ({ state: {} }))
            if ((state as { settings?: { fields?: unknown } }).settings?.fields) return
            await new Promise((r) => setTimeout(r, 5))
          }
          throw new Error(`room ${room} was never seeded`)
        }
        const serverWrite = (ops: PatchOp[], item?: string) => {
          const n = serverWrites.length
          seeded ??= untilSeeded()
          const verdict = seeded.then(() => target.write(room, ops, n))
          serverWrites.push(item === undefined ? { verdict } : { verdict, item })
        }
        const peers: {
          store: ReturnType<typeof makeStore>
          socket: ClientSocket
          mw: SyncInstance
        }[] = []
        const addPeer = () => {
          const i = peers.length
          const socket: ClientSocket = io(target.clientUrl(i), {
            transports: ['websocket'],
            forceNew: true,
            reconnectionDelay: 10,
            reconnectionDelayMax: 50,
          })
          socket.onAnyOutgoing(() => {})
          const watched = chaosSocket(socket, random, timers)
          // Record what the relay acknowledged, as the client saw it.
          const emit = watched.emit.bind(watched) as unknown as (
            e: string,
            r: unknown,
            a: (x: unknown) => void,
          ) => boolean
          ;(watched as unknown as { emit: typeof emit }).emit = (e, r, a) =>
            emit(e, r, (res) => {
              if (e === 'push' && (res as PushAck).ok) {
                for (const result of (res as Extract<PushAck, { ok: true }>).results) {
                  if ('seq' in result) acked.set(result.id, result.seq)
                }
              }
              a(res)
            })
          const mw = sync({
            room,
            allowKeys: ['todos', 'settings'],
            socket: watched,
            clientId: `c${i}x${caseNo}`,
            statusThrottleMs: 0,
          })
          peers.push({ store: makeStore([mw.middleware]), socket, mw })
        }
        // Some clients only join part-way through and must catch up from the log.
        for (let i = 0; i < initial; i++) addPeer()
        try {
          let step = 0
          for (const cmd of commands) {
            if (restartAt !== null && step++ === restartAt) {
              await target.restart(caseNo)
              seen.restarts++
            }
            const peer = 'client' in cmd ? peers[cmd.client % peers.length]! : undefined
            switch (cmd.type) {
              case 'append': {
                const value = `v${appended.length}`
                appended.push(value)
                peer!.store.dispatch(todos.actions.added(value))
                break
              }
              case 'set':
                peer!.store.dispatch(settings.actions.fieldSet({ key: cmd.key, value: cmd.value }))
                break
              case 'theme':
                peer!.store.dispatch(settings.actions.themeSet(cmd.value))
                break
              case 'disconnect':
                peer!.socket.disconnect()
                break
              case 'reconnect':
                if (!peer!.socket.connected && !peer!.socket.active) peer!.socket.connect()
                break
              case 'join':
                if (peers.length < n) addPeer()
                break
              case 'wait':
                await new Promise((r) => setTimeout(r, cmd.ms))
                break
              // Not awaited: the server's writes interleave with the clients' pushes.
              case 'serverAppend':
                serverWrite(
                  [{ op: 'add', path: ['todos', 'items', '-'], value: `s${serverWrites.length}` }],
                  `s${serverWrites.length}`,
                )
                break
              case 'serverSet':
                serverWrite([
                  { op: 'add', path: ['settings', 'fields', cmd.key], value: cmd.value },
                ])
                break
            }
          }
          while (peers.length < n) addPeer()
          for (const p of peers) if (!p.socket.active) p.socket.connect()
          // Status dispatches are coalesced and a closed relay's disconnects arrive
          // asynchronously: let both land before reading the status.
          await new Promise((r) => setTimeout(r, 20))
          await eventually(() => {
            for (const p of peers) {
              expect(p.socket.connected).toBe(true)
              expect(p.store.getState().patchwire.sync[room]).toMatchObject({
                connection: 'live',
                pending: 0,
              })
            }
          }, 20_000)
          // Once every client is back (the room is seeded by then). A write refused
          // while the relay restarts is `unavailable`: only accepted ones count.
          for (const w of serverWrites) {
            const v = await w.verdict
            if (!('seq' in v)) continue
            seen.serverWrites++
            acked.set(v.id, v.seq)
            if (w.item !== undefined && !v.dropped) appended.push(w.item)
          }
          const head = (await inspect(target.inspectUrl(), room)).seq
          await eventually(() => {
            for (const p of peers)
              expect(p.store.getState().patchwire.sync[room]?.lastSeq).toBe(head)
          }, 20_000)
          const roomState = await snapshotOf(target.inspectUrl(), room)
          for (const p of peers) expect(synced(p.store)).toEqual(roomState)
          // Appends are never stale: each one is in the room exactly once.
          const items = (roomState.todos as { items: string[] }).items
          expect([...items].sort()).toEqual([...appended].sort())
          // Every change the relay acknowledged is in its log at the sequence it gave.
          const log = await inspect(target.inspectUrl(), room)
          const bySeq = new Map(log.changes.map((c) => [c.seq, c.id]))
          for (const [id, seq] of acked) expect(bySeq.get(seq)).toBe(id)
        } finally {
          for (const p of peers) {
            seen.gaps += p.store.getState().patchwire.counters.gaps
            seen.refetches += p.store.getState().patchwire.counters.refetches
            p.mw.stop()
            p.socket.disconnect()
          }
          for (const t of timers) clearTimeout(t as ReturnType<typeof setTimeout>)
        }
      },
    ),
    {
      numRuns: options.runs,
      seed: options.seed,
      endOnFailure: true,
      verbose: 1,
      ...(process.env.PATCHWIRE_PROPERTY_PATH ? { path: process.env.PATCHWIRE_PROPERTY_PATH } : {}),
    },
  )
  return seen
}
