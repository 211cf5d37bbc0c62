import fc from 'fast-check'
import type { ConfirmedResult } from '../../middleware/sync/guarantees/confirmed'
import { confirmed } from '../../middleware/sync/guarantees/confirmed'
import { applyPatch } from '../../src/actions'
import type { PushResult } from '../../src/protocol'
import type { PatchOp } from '../../src/types'
import { seededRandom } from './chaosSocket'
import { type ConfirmedWrite, checkCase } from './convergenceChecks'
import { type ClientContext, type ClientSlot, openSlot, travel } from './convergenceClients'
import { type Command, type Scenario, scenarioArbitrary } from './convergenceModel'
import { type ConvergenceStats, type ConvergenceTarget, inspect } from './convergenceTarget'
import { settings, todos } from './helpers'
import { hostileUser } from './hostileUser'

/**
 * The sync convergence property, shared by the single relay (SQLite) and the
 * three nodes on Redis. A case opens 2–8 honest clients of mixed kinds
 * (kiosks under fixed ids, persisted apps, DevTools sessions, browsers whose
 * tabs share one connection) for two users, a hostile third user, and a
 * server-side writer, then runs up to 40 commands: edits and confirmed
 * writes, batches mixing sources, reloads and closed tabs mid-burst, time
 * travel, lost connections, relay and Redis restarts, attacks on the other
 * users' ids. Deliveries to the clients are delayed, re-ordered and
 * duplicated. The invariants are in `convergenceChecks.ts`.
 *
 * A failure prints the shrunk case (one line per command) with its seed and
 * path; `PATCHWIRE_PROPERTY_SEED` and `PATCHWIRE_PROPERTY_PATH` replay it.
 */

/** Relay restarts a case may do at most: each costs a reconnect for everyone. */
const RESTARTS_PER_CASE = 2

/** Runs the property; throws (through fast-check) with the failing case and its seed. */
export async function checkConvergence(
  target: ConvergenceTarget,
  options: { runs: number; seed: number },
): Promise<ConvergenceStats> {
  const seen: ConvergenceStats = {
    cases: 0,
    gaps: 0,
    refetches: 0,
    restarts: 0,
    clientRestarts: 0,
    serverWrites: 0,
    confirmedWrites: 0,
    hostileRefused: 0,
    travels: 0,
  }
  let caseNo = 0
  await fc.assert(
    fc.asyncProperty(scenarioArbitrary(target.restarts), (scenario) =>
      runCase(target, scenario, ++caseNo, seen),
    ),
    {
      numRuns: options.runs,
      seed: options.seed,
      verbose: 1,
      // A replay runs the one case the path names, not the cases after it too.
      ...(process.env.PATCHWIRE_PROPERTY_PATH
        ? { path: process.env.PATCHWIRE_PROPERTY_PATH, numRuns: 1 }
        : {}),
    },
  )
  return seen
}

/**
 * Whether a run is big enough for its run-wide checks (some gap, some server
 * write, some hostile refusal): 50 cases or more (fast-check starts with small
 * cases, and the first twenty can hold no refused hostile move), and not a replay of one
 * case (`PATCHWIRE_PROPERTY_PATH`, which also runs that case's shrink steps).
 */
export const judgesRun = (seen: ConvergenceStats): boolean =>
  process.env.PATCHWIRE_PROPERTY_PATH === undefined && seen.cases >= 50

async function runCase(
  target: ConvergenceTarget,
  { clients: kinds, initial: wanted, commands, chaos }: Scenario,
  caseNo: number,
  seen: ConvergenceStats,
): Promise<void> {
  seen.cases++
  const room = `case-${caseNo}`
  const timers = new Set<unknown>()
  const ctx: ClientContext = {
    room,
    caseNo,
    random: seededRandom(chaos),
    timers,
    url: (i) => target.clientUrl(i),
    auth: (p) => target.auth(p),
  }
  const slots: ClientSlot[] = []
  const addSlot = () => slots.push(openSlot(ctx, slots.length, kinds[slots.length]!))
  const confirmedWrites: ConfirmedWrite[] = []
  const serverWrites: { verdict: Promise<PushResult>; item?: string }[] = []
  const mallory = hostileUser(room, caseNo, target.auth('mallory'))
  let restartsLeft = RESTARTS_PER_CASE
  let k = 0
  // Like a backend job writing into a room that exists: the server writes
  // once a client's seed is in (before, the paths' parents are missing).
  let seeded: Promise<void> | undefined
  const untilSeeded = async () => {
    // Bounded so a room that never gets seeded fails the case instead of hanging it.
    for (let attempt = 0; attempt < 4000; attempt++) {
      const state = await (target.read
        ? target.read(room).then((r) => r.state)
        : inspect(target, room).then((ack) => ('snapshot' in ack ? ack.snapshot : {}))
      ).catch(() => ({}))
      if ((state as { settings?: { fields?: unknown } }).settings?.fields) return
      await new Promise((r) => setTimeout(r, 5))
    }
    throw new Error(`room ${room} was never seeded`)
  }
  const serverWrite = (ops: PatchOp[], item?: string) => {
    const write = target.write
    if (!write) return
    const n = serverWrites.length
    seeded ??= untilSeeded()
    const verdict = seeded.then(() => write(room, ops, n))
    serverWrites.push(item === undefined ? { verdict } : { verdict, item })
  }

  const run = async (cmd: Command) => {
    const slot = 'client' in cmd ? slots[cmd.client % slots.length] : undefined
    const inc = slot?.writer()
    switch (cmd.type) {
      case 'append': {
        const item = `c${slot!.index}.${k++}`
        inc!.items.push(item)
        if (!cmd.confirm) {
          inc!.store.dispatch(todos.actions.added(item))
          break
        }
        const write: ConfirmedWrite = { inc: inc!, item }
        confirmedWrites.push(write)
        const result = inc!.store.dispatch(
          confirmed(todos.actions.added(item)) as never,
        ) as PromiseLike<ConfirmedResult>
        result.then(
          (r) => {
            write.outcome = { ok: true, result: r }
          },
          (error: unknown) => {
            write.outcome = { ok: false, error }
          },
        )
        break
      }
      case 'set':
        inc!.store.dispatch(
          settings.actions.fieldSet({ key: cmd.key, value: 1000 * (slot!.index + 1) + k++ }),
        )
        break
      case 'theme':
        inc!.store.dispatch(settings.actions.themeSet(`t${slot!.index}.${k++}`))
        break
      case 'batch': {
        // Streamed data goes to a key that is not synced, as a live feed would.
        const changes = cmd.sources.map((source) => {
          if (source === 'stream') {
            return {
              source,
              ops: [{ op: 'replace' as const, path: ['draft', 'text'], value: `d${k++}` }],
            }
          }
          const item = `c${slot!.index}.${k++}`
          inc!.items.push(item)
          return {
            source,
            ops: [{ op: 'add' as const, path: ['todos', 'items', '-'], value: item }],
          }
        })
        inc!.store.dispatch(applyPatch({ changes }))
        break
      }
      case 'disconnect':
        inc!.socket?.disconnect()
        break
      case 'reconnect':
        if (inc!.socket && !inc!.socket.connected && !inc!.socket.active) inc!.socket.connect()
        break
      case 'restartClient':
        await slot!.restart()
        seen.clientRestarts++
        break
      case 'travel':
        if (inc!.store.liftedStore) {
          travel(inc!, cmd.move, cmd.at)
          seen.travels++
        }
        break
      case 'wait':
        await new Promise((r) => setTimeout(r, cmd.ms))
        break
      case 'join':
        if (slots.length < kinds.length) addSlot()
        break
      case 'restart':
        if (restartsLeft-- > 0) {
          await target.restart(cmd.how, caseNo)
          seen.restarts++
        }
        break
      // Not awaited: the server's writes interleave with the clients' pushes.
      case 'serverAppend':
        serverWrite(
          [{ op: 'add', path: ['todos', 'items', '-'], value: `s${caseNo}.${k}` }],
          `s${caseNo}.${k++}`,
        )
        break
      case 'serverSet':
        serverWrite([{ op: 'add', path: ['settings', 'fields', cmd.key], value: -1 - k++ }])
        break
      case 'hostile':
        mallory.act(target.clientUrl(cmd.victim), cmd.move, cmd.victim)
        break
    }
  }

  // Some clients only join part-way through and must catch up from the log.
  for (let i = 0; i < Math.min(wanted, kinds.length); i++) addSlot()
  try {
    for (const cmd of commands) await run(cmd)
    while (slots.length < kinds.length) addSlot()
    await checkCase({
      target,
      room,
      slots,
      confirmedWrites,
      serverWrites,
      mallory,
      seen,
    })
  } finally {
    for (const slot of slots) {
      for (const inc of slot.incarnations) {
        seen.gaps += inc.live().patchwire.counters.gaps
        seen.refetches += inc.live().patchwire.counters.refetches
      }
      await slot.stop()
    }
    for (const t of timers) clearTimeout(t as ReturnType<typeof setTimeout>)
  }
}

export type { ConvergenceStats, ConvergenceTarget } from './convergenceTarget'
