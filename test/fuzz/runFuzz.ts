import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import fc from 'fast-check'
import { SignJWT } from 'jose'
import { io as connectClient } from 'socket.io-client'
import type { RelayLimits } from '../../server/relay/types'
import type { JoinAck } from '../../src/protocol'
import type { ClientSocket } from '../server/helpers'
import { synced } from '../sync/helpers'
import {
  type Frame,
  type FrameTargets,
  frameArbitrary,
  PEER_ROOM,
  RELAY_EVENTS,
  SELF_CLIENT,
} from './frames'
import { type HonestClient, settled, startHonestClients, writeOnce } from './honestClients'
import { createMembership, type Membership } from './membership'
import type { RelayChildStats } from './relayChild'
import { type FuzzRelayProcess, startFuzzRelay } from './relayProcess'
import { eventProblem, forbiddenKeyIn, replyProblem } from './replyShapes'

/** How a fuzz run is set up. */
export interface FuzzOptions {
  /**
   * The first round: round `r` sends the frames of seed `seed + r`, so a
   * defect's `seed` replays its round's frames from here. @default 0
   */
  fromRound?: number
  /** Frames to send in all. */
  frames: number
  seed: number
  /** Authenticate every socket with a JWT (`jwtAuth`); the fuzzer's users may only read the honest room. */
  auth?: boolean
  limits?: Partial<RelayLimits>
  /** Fuzzer sockets sending at once. @default 8 */
  lanes?: number
  /** Frames each socket sends before waiting for their answers. @default 16 */
  window?: number
  /** Honest `sync` stores writing alongside. @default 3 */
  honest?: number
  /** Progress lines. */
  progress?: (line: string) => void
}

/** Which invariant a defect breaks. */
export type DefectKind =
  /** The relay process exited. */
  | 'crash'
  /** The relay stopped answering: a round, a probe or a connection went unanswered. */
  | 'silent'
  /** An answer or event without its documented shape. */
  | 'shape'
  /** An honest store differs from the room, or one of its writes was lost or refused. */
  | 'convergence'
  /** A room's state holds `__proto__`, `constructor` or `prototype`. */
  | 'forbidden'
  /** The relay holds more sockets, rooms or presence than the honest clients need. */
  | 'memory'
  /** The relay logged an error (a handler threw, a store call failed). */
  | 'errors'

/** Something the relay did that it must not. */
export interface Defect {
  kind: DefectKind
  problem: string
  /** The seed of the round that was being sent (see `FuzzOptions.fromRound`). */
  seed: number
  frame?: string
  reply?: string
}

/** What a run came to. */
export interface FuzzReport {
  seed: number
  frames: number
  /** Answers checked against their documented shape. */
  replies: number
  /** Frames whose answer was lost because the socket went (a disconnect the frame or the relay made). */
  lost: number
  /** Answers by `event:reason` (`event:ok` when accepted as a whole). */
  refusals: Record<string, number>
  /** Verdicts on pushed changes by reason (`accepted` for a sequence). */
  verdicts: Record<string, number>
  goodbyes: number
  connections: number
  honestWrites: number
  probes: number
  seconds: number
  /** The relay's memory after a full GC: after warm-up and once the fuzzer's sockets are gone. */
  heap: { baseline: RelayChildStats; final: RelayChildStats } | undefined
  defects: Defect[]
  /** All defects, also those past the first 50 kept in `defects`. */
  defectCount: number
}

const HONEST_ROOM = 'honest'
const SECRET = 'fuzz-secret-0123456789abcdef0123456789'
const MAX_KEPT = 50
/** A round whose answers have not all come (or been lost with their socket) by then means the relay stopped answering. */
const STALL_MS = 180_000

const sign = (claims: Record<string, unknown>, secret = SECRET): Promise<string> =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(secret))

/** A short, printable form of a frame for a defect report. */
const show = (v: unknown): string => {
  let s: string
  try {
    s = JSON.stringify(v, (_k, x) => (Buffer.isBuffer(x) ? `<${x.length} bytes>` : x)) ?? String(v)
  } catch {
    s = String(v)
  }
  return s.length > 400 ? `${s.slice(0, 400)}… (${s.length} chars)` : s
}

/** Resolves once `check` holds, polling; rejects after `ms` with `what`. */
async function waitFor(
  check: () => boolean | Promise<boolean>,
  ms: number,
  what: () => string,
): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what()}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/**
 * Puts a frame into a lane's context: the room `PEER_ROOM` becomes the room
 * named after another lane's socket id (Socket.IO puts every socket in a room
 * of its own id, and presence tells every member the ids of the others), and
 * the client id `SELF_CLIENT` the lane's own, so that its pushes write under
 * the client it joined as.
 */
function aim(
  frame: Frame,
  sockets: readonly (ClientSocket | undefined)[],
  lane: number,
  self: string,
): Frame {
  if (frame.kind !== 'emit') return frame
  const req = frame.args[0] as Record<string, unknown> | null | undefined
  if (req === null || typeof req !== 'object' || Array.isArray(req)) return frame
  const aimed: Record<string, unknown> = { ...req }
  if (aimed.room === PEER_ROOM) aimed.room = sockets[(lane + 1) % sockets.length]?.id ?? PEER_ROOM
  if (aimed.clientId === SELF_CLIENT) aimed.clientId = self
  if (Array.isArray(aimed.changes)) {
    aimed.changes = aimed.changes.map((c: unknown) => {
      const id = (c as { id?: unknown } | null)?.id
      if (typeof id !== 'string' || !id.startsWith(`${SELF_CLIENT}:`)) return c
      return { ...(c as object), id: self + id.slice(SELF_CLIENT.length) }
    })
  }
  return { ...frame, args: [aimed, ...frame.args.slice(1)] }
}

/** `work`, or a rejection naming `what` when it has not settled after `ms`: the relay went silent. */
async function answeredWithin<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const silent = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the relay stopped answering in ${what}`)), ms)
  })
  try {
    return await Promise.race([work, silent])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Fuzzes a relay in a child process (SQLite file store) with random and
 * mutated frames from several raw socket.io-client sockets while honest
 * `sync` stores keep writing, then checks the invariants: the relay never
 * exits and keeps answering (every honest write confirmed, probe joins
 * answered), every answer has its documented shape, the honest stores equal
 * the room, no room holds a forbidden key, and its memory returns to what it
 * held after warm-up.
 */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const lanes = options.lanes ?? 8
  const window = options.window ?? 16
  const honestCount = options.honest ?? 3
  const say = options.progress ?? (() => {})
  const started = Date.now()
  const dir = mkdtempSync(join(tmpdir(), 'patchwire-fuzz-'))
  const report: FuzzReport = {
    seed: options.seed,
    frames: 0,
    replies: 0,
    lost: 0,
    refusals: {},
    verdicts: {},
    goodbyes: 0,
    connections: 0,
    honestWrites: 0,
    probes: 0,
    seconds: 0,
    heap: undefined,
    defects: [],
    defectCount: 0,
  }
  /** The seed of the round being sent: what replays a defect's frames. */
  let roundSeed = options.seed
  const defect = (found: Omit<Defect, 'seed'>): void => {
    const d: Defect = { ...found, seed: roundSeed }
    if (report.defectCount < MAX_KEPT) say(`DEFECT ${JSON.stringify(d)}`)
    report.defectCount++
    if (report.defects.length < MAX_KEPT) report.defects.push(d)
  }

  const relay: FuzzRelayProcess = await startFuzzRelay({
    db: join(dir, 'relay.db'),
    ...(options.auth ? { secret: SECRET } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
  })
  const fuzzRooms = ['fz0', 'fz1', 'fz2', 'fz:3']
  const clientIds = ['f0', 'f1', 'f2', 'tabs', 'h0', 'h1']
  const targets: FrameTargets = {
    // Without users, anyone may write anywhere: the honest room is read and presence only.
    pushRooms: options.auth ? [...fuzzRooms, HONEST_ROOM, PEER_ROOM] : [...fuzzRooms, PEER_ROOM],
    readRooms: [...fuzzRooms, HONEST_ROOM, PEER_ROOM],
    clientIds,
  }
  const honestTokens = options.auth
    ? await Promise.all(
        Array.from({ length: honestCount }, (_, i) =>
          sign({ sub: `honest${i}`, rooms: [HONEST_ROOM] }),
        ),
      )
    : Array.from({ length: honestCount }, () => undefined)
  const laneTokens = options.auth
    ? await Promise.all(
        Array.from({ length: lanes }, (_, i) =>
          sign({ sub: `fuzz${i % 3}`, rooms: ['fz*'], readRooms: [HONEST_ROOM] }),
        ),
      )
    : []
  const badTokens = options.auth
    ? [
        await sign({ sub: 'x', rooms: ['*'] }, 'another-secret-0123456789abcdef012345'),
        'not.a.jwt',
        '',
      ]
    : []

  const honest: HonestClient[] = startHonestClients(relay.url, HONEST_ROOM, honestTokens)
  const sockets = new Set<ClientSocket>()
  const memberships = new WeakMap<ClientSocket, Membership>()
  /** Why the last refused connection was refused. */
  let lastConnectError = ''
  const connect = (
    auth: Record<string, unknown> | undefined,
  ): Promise<ClientSocket | undefined> => {
    const socket: ClientSocket = connectClient(relay.url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      ...(auth ? { auth } : {}),
    })
    report.connections++
    return new Promise((resolve) => {
      socket.once('connect', () => {
        sockets.add(socket)
        socket.once('disconnect', () => sockets.delete(socket))
        const membership = createMembership()
        memberships.set(socket, membership)
        socket.onAny((event: string, ...args: unknown[]) => {
          if (event === 'goodbye') report.goodbyes++
          const problem = eventProblem(event, args)
          if (problem) defect({ kind: 'shape', problem, reply: show(args) })
          const room = (args[0] as { room?: unknown } | undefined)?.room
          if (typeof room === 'string' && !membership.mayHear(room)) {
            defect({
              kind: 'shape',
              problem: `a ${event} event of room ${room}, which this socket did not join`,
              reply: show(args),
            })
          }
        })
        resolve(socket)
      })
      socket.once('connect_error', (err) => {
        lastConnectError = err.message
        socket.close()
        resolve(undefined)
      })
    })
  }

  const probe = async (): Promise<void> => {
    const socket = await connect(honestTokens[0] ? { token: honestTokens[0] } : undefined)
    if (!socket)
      return defect({ kind: 'silent', problem: `a probe could not connect: ${lastConnectError}` })
    const req = { room: HONEST_ROOM, clientId: 'probe', schemaVersion: 1 }
    const answered = memberships.get(socket)?.asked('join', [req])
    const ack = await new Promise<JoinAck>((resolve) => socket.emit('join', req, resolve))
    answered?.([ack])
    socket.disconnect()
    report.probes++
    if (!ack.ok) defect({ kind: 'silent', problem: 'a probe join was refused', reply: show(ack) })
  }

  /** Sends one frame; resolves when its answer came, was lost, or none is due. */
  const send = (socket: ClientSocket, frame: Frame): Promise<void> => {
    report.frames++
    if (frame.kind === 'raw') {
      ;(socket.io.engine as unknown as { send(packet: string): void }).send(frame.packet)
      return Promise.resolve()
    }
    if (frame.kind === 'replay') return Promise.resolve()
    const handled = (RELAY_EVENTS as readonly string[]).includes(frame.event)
    const emit = socket.emit as unknown as (event: string, ...args: unknown[]) => void
    return new Promise<void>((resolve) => {
      let done = false
      const finish = (): void => {
        if (done) return
        done = true
        socket.off('disconnect', lost)
        resolve()
      }
      const lost = (): void => {
        if (!done) report.lost++
        finish()
      }
      const answered = memberships.get(socket)?.asked(frame.event, frame.args)
      const reply = (...res: unknown[]): void => {
        answered?.(res)
        report.replies++
        const problem = replyProblem(frame.event, frame.args, res)
        if (problem) defect({ kind: 'shape', problem, frame: show(frame), reply: show(res) })
        const reason = (res[0] as { reason?: unknown } | undefined)?.reason
        const key = `${frame.event}:${typeof reason === 'string' ? reason : 'ok'}`
        report.refusals[key] = (report.refusals[key] ?? 0) + 1
        const results = (res[0] as { results?: unknown } | undefined)?.results
        if (frame.event === 'push' && Array.isArray(results)) {
          for (const v of results as { reason?: unknown }[]) {
            const verdict = typeof v?.reason === 'string' ? v.reason : 'accepted'
            report.verdicts[verdict] = (report.verdicts[verdict] ?? 0) + 1
          }
        }
        finish()
      }
      try {
        if (frame.ack === 'function') {
          socket.once('disconnect', lost)
          emit.call(socket, frame.event, ...frame.args, reply)
        } else if (frame.ack === 'value')
          emit.call(socket, frame.event, ...frame.args, frame.ackValue)
        else emit.call(socket, frame.event, ...frame.args)
      } catch {
        // socket.io-client itself could not encode it (a stack overflow on a very deep value).
        finish()
        return
      }
      // No answer is due without a callback, or for an event the relay does not handle
      // (one arriving anyway is checked in `reply`).
      // Only with exactly one argument is the callback the relay's `ack`.
      if (frame.ack !== 'function' || !handled || frame.args.length !== 1) finish()
      if (frame.disconnect) socket.disconnect()
    })
  }

  const arbitrary = frameArbitrary(targets)
  const laneSockets: (ClientSocket | undefined)[] = new Array(lanes).fill(undefined)
  const history: Frame[][] = Array.from({ length: lanes }, () => [])
  let connectCount = 0
  /** The client id a lane joins as (the same user's in the run with users). */
  const laneClient = (lane: number): string => `f${lane % 3}`
  const laneSocket = async (lane: number): Promise<ClientSocket | undefined> => {
    const current = laneSockets[lane]
    if (current?.connected) return current
    connectCount++
    // Now and then a connection with a token the relay must refuse.
    const token =
      badTokens.length > 0 && connectCount % 16 === 0
        ? badTokens[connectCount % badTokens.length]
        : laneTokens[lane]
    const socket = await connect(token === undefined ? undefined : { token })
    if (socket === undefined && token === laneTokens[lane]) {
      defect({
        kind: 'silent',
        problem: `a fuzzer socket with a good token could not connect: ${lastConnectError}`,
      })
    }
    laneSockets[lane] = socket
    // A fresh socket joins rooms of its own first, so what follows reaches the handlers past "join first".
    if (socket) {
      for (let k = 0; k < 3; k++) {
        const room = fuzzRooms[(lane + k) % fuzzRooms.length]
        const join = { room, clientId: laneClient(lane), schemaVersion: 1 }
        await send(socket, {
          kind: 'emit',
          event: 'join',
          args: [join],
          ack: 'function',
          disconnect: false,
        })
      }
    }
    return socket
  }

  const crashed = (): boolean => {
    if (!relay.exit) return false
    defect({ kind: 'crash', problem: `the relay exited (${show(relay.exit)}): ${relay.stderr()}` })
    return true
  }

  try {
    await waitFor(
      () => honest.every((c) => settled(c, HONEST_ROOM)),
      120_000,
      () => 'honest clients live',
    )
    report.honestWrites += writeOnce(honest, true)
    const perRound = lanes * window
    // Frames a lane did not send because its socket went count for nothing: run until enough were sent.
    const rounds = Math.ceil(options.frames / perRound)
    const warmup = Math.min(rounds - 1, Math.max(2, Math.ceil(rounds / 50)))
    const first = options.fromRound ?? 0
    for (let round = first; report.frames < options.frames && !crashed(); round++) {
      roundSeed = options.seed + round
      if (report.defectCount >= MAX_KEPT * 4) break
      const frames = fc.sample(arbitrary, { seed: options.seed + round, numRuns: perRound })
      await answeredWithin(
        STALL_MS,
        `round ${round} (seed ${options.seed + round})`,
        Promise.all(
          Array.from({ length: lanes }, async (_, lane) => {
            const socket = await laneSocket(lane)
            // A refused connection (a bad token) is the frame.
            if (!socket) {
              report.frames++
              return
            }
            const sent: Promise<void>[] = []
            for (let i = 0; i < window; i++) {
              let frame = aim(frames[lane * window + i]!, laneSockets, lane, laneClient(lane))
              const past = history[lane]!
              if (frame.kind === 'replay') frame = past[past.length - frame.back] ?? frame
              else if (frame.kind === 'emit') past.push(frame) > 8 && past.shift()
              if (!socket.connected) break
              sent.push(send(socket, frame))
            }
            await Promise.all(sent)
          }),
        ),
      )
      report.honestWrites += writeOnce(honest, round % 8 === 0)
      if (round % 10 === 0)
        await answeredWithin(STALL_MS, `the probe after round ${round}`, probe())
      if (round === first + warmup) {
        await waitFor(
          () => honest.every((c) => settled(c, HONEST_ROOM)),
          120_000,
          () => 'honest writes confirmed after warm-up',
        )
        report.heap = {
          baseline: await relay.stats(),
          final: undefined as unknown as RelayChildStats,
        }
      }
      if (round % 50 === 0)
        say(
          `round ${round}: ${report.frames}/${options.frames} frames, ${report.defectCount} defects`,
        )
    }
    if (!crashed()) {
      await probe()
      for (const s of laneSockets) s?.disconnect()
      await finish(relay, honest, report, defect)
    }
  } catch (err) {
    // A wait that gave up: the relay stopped answering someone.
    if (!crashed())
      defect({ kind: 'silent', problem: err instanceof Error ? err.message : String(err) })
  } finally {
    for (const s of sockets) s.disconnect()
    for (const c of honest) c.mw.stop()
    await relay.close()
    rmSync(dir, { recursive: true, force: true })
    report.seconds = (Date.now() - started) / 1000
  }
  return report
}

/** The end-of-run invariants, once the fuzzer's sockets are gone. */
async function finish(
  relay: FuzzRelayProcess,
  honest: HonestClient[],
  report: FuzzReport,
  defect: (d: Omit<Defect, 'seed'>) => void,
): Promise<void> {
  await waitFor(
    () => honest.every((c) => settled(c, HONEST_ROOM)),
    180_000,
    () =>
      `honest writes confirmed: ${show(honest.map((c) => c.store.getState().patchwire.sync[HONEST_ROOM]))}`,
  )
  const room = await relay.read(HONEST_ROOM)
  const expected = { todos: room.state.todos, settings: room.state.settings }
  await waitFor(
    () => honest.every((c) => isDeepStrictEqual(synced(c.store), expected)),
    60_000,
    () => 'honest clients equal to the room',
  ).catch(() => {
    for (const c of honest) {
      const mine = synced(c.store)
      if (isDeepStrictEqual(mine, expected)) continue
      defect({
        kind: 'convergence',
        problem: `honest ${c.id} differs from the room`,
        reply: show(firstDifference(mine, expected)),
      })
    }
  })
  const items = (room.state.todos as { items?: string[] } | undefined)?.items ?? []
  for (const c of honest) {
    for (const text of c.added) {
      const times = items.filter((t) => t === text).length
      if (times !== 1)
        defect({
          kind: 'convergence',
          problem: `the honest write ${text} is in the room ${times} times`,
        })
    }
    const field = (room.state.settings as { fields?: Record<string, unknown> } | undefined)
      ?.fields?.[c.id]
    if (field !== c.writes)
      defect({
        kind: 'convergence',
        problem: `honest ${c.id}'s field is ${show(field)}, it wrote ${c.writes}`,
      })
    if (c.rejected.length > 0)
      defect({
        kind: 'convergence',
        problem: `honest ${c.id} was refused`,
        reply: show(c.rejected),
      })
  }
  for (const name of ['fz0', 'fz1', 'fz2', 'fz:3', HONEST_ROOM]) {
    const hit = forbiddenKeyIn((await relay.read(name)).state)
    if (hit) defect({ kind: 'forbidden', problem: `room ${name} holds a forbidden key at ${hit}` })
  }
  // Only the honest stores' sockets and their room remain, no presence.
  let last: RelayChildStats | undefined
  await waitFor(
    async () => {
      last = await relay.stats()
      return last.sockets === honest.length && last.rooms === 1 && last.presenceEntries === 0
    },
    60_000,
    () => show(last),
  ).catch(() =>
    defect({
      kind: 'memory',
      problem: 'the relay holds more than the honest clients',
      reply: show(last),
    }),
  )
  if (report.heap && last) report.heap.final = last
  if (last && last.errors.length > 0)
    defect({ kind: 'errors', problem: 'the relay logged errors', reply: show(last.errors) })
}

/** Where two JSON values first differ: the path and both sides. */
function firstDifference(a: unknown, b: unknown, at: (string | number)[] = []): unknown {
  if (isDeepStrictEqual(a, b)) return undefined
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)])
    for (const k of keys) {
      const d = firstDifference(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        [...at, k],
      )
      if (d !== undefined) return d
    }
  }
  return { at, client: a, room: b }
}

/**
 * Limits for the open run: rates high enough that most frames reach the
 * handlers, a violation budget that still says goodbye now and then.
 */
export const OPEN_LIMITS: Partial<RelayLimits> = {
  messagesPerSecond: 100_000,
  changesPerSecond: 100_000,
  maxViolations: 500,
}

/** Tight limits for the run with users, so every limit is met often. */
export const AUTH_LIMITS: Partial<RelayLimits> = {
  maxPayloadBytes: 65_536,
  maxChangesPerPush: 10,
  maxOpsPerChange: 20,
  maxPathDepth: 8,
  maxValueDepth: 8,
  maxIdLength: 64,
  messagesPerSecond: 300,
  changesPerSecond: 600,
  maxViolations: 40,
  maxRoomsPerSocket: 3,
  maxCatchUp: 20,
  maxPresenceBytes: 512,
  presencePerSecond: 20,
}
