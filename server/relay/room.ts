import { isPatchwireError } from '../../src/errors'
import type { JoinAck, PushResult, RelayChange } from '../../src/protocol'
import type { SchemaGate } from '../../src/schemaGate'
import type { AppliedChange, PathClock, RelayStore, StoredChange } from '../store/types'
import { createAppender, type RoomLease } from './appendStored'
import { changeDigest } from './changeDigest'
import type { RelayObservers } from './observer'
import { cloneClock, emptyClock, isStale, recordWrite } from './pathClock'
import { roomState } from './roomState'
import { newRoomVersion } from './roomVersion'
import { type Candidate, type PendingPush, screenPushes } from './screenPushes'
import { createSerialQueue, type SerialQueue } from './serialQueue'
import type { RelayLimits, RelayLogEntry, StoreOperation } from './types'
import type { ValidChange } from './validate'

/** What a room needs from its relay. */
export interface RoomDeps {
  store: RelayStore
  gate: SchemaGate | undefined
  limits: RelayLimits
  now: () => number
  compactEvery: number
  keepTail: number
  /** Versions kept per room; `undefined` when compaction takes none. */
  versionKeep: number | undefined
  /**
   * Sends applied changes (contiguous sequences, room order) to every socket
   * in the room but `except`: the socket that pushed them, when that socket
   * takes its own changes from the push answer (it joined with `echo: false`).
   * The changes one settle step accepted under one `except` come in one call,
   * so frame readers get them as one frame.
   */
  broadcast: (changes: readonly RelayChange[], except?: string) => void
  log: (entry: RelayLogEntry) => void
  /** Told how long each store call took, and of appends lost to another writer or fenced off. */
  observe: Pick<RelayObservers, 'storeOperation' | 'redone' | 'fenced'>
  /** With room ownership: the fencing token every append carries, and whom to tell it was refused. */
  lease?: RoomLease
}

/** One room's cached state and its serialized work. Every method runs on the room's queue. */
export interface Room {
  readonly name: string
  readonly queue: SerialQueue
  /**
   * Applies pushed changes in order and resolves one verdict per change.
   * `sender`: the socket id whose broadcasts skip it (it reads its own
   * changes from the verdicts).
   */
  push(origin: string, changes: readonly unknown[], sender?: string): Promise<PushResult[]>
  /** The changes after `since` (up to `until`), or a snapshot when the log cannot serve them. */
  read(since: number | undefined, until?: number): Promise<Extract<JoinAck, { ok: true }>>
}

const PAGE = 1000
const MAX_ATTEMPTS = 20

/** A stored change as the wire carries it: with its room, without the store's digest. */
function toRelayChange(room: string, c: StoredChange): RelayChange {
  return { room, seq: c.seq, id: c.id, origin: c.origin, ts: c.ts, ops: c.ops }
}

/** The verdict on a re-sent id, from what the store knows of it: its own sequence only for the same content. */
function resentVerdict(id: string, prior: AppliedChange, digest: string): PushResult {
  if ('compacted' in prior) {
    return {
      id,
      reason: 'unknown',
      message:
        'The change is older than the log the room keeps for its client: whether it was applied is no longer known; the room state says what holds.',
    }
  }
  if (prior.digest !== undefined && prior.digest !== digest) {
    return {
      id,
      reason: 'id_conflict',
      message: `The room holds another change under id "${id}"; a change id is never reused for other content.`,
    }
  }
  return { id, seq: prior.seq }
}

/**
 * Creates a room. Its state, path clocks and sequence are loaded from the
 * store on first use (snapshot, then the log after it) and kept in memory.
 *
 * Pushes that arrive while the room is busy are evaluated together and
 * appended in one store call (group commit), so a store that fsyncs pays one
 * sync per batch rather than per change; each change still gets its own
 * sequence and verdict, in arrival order, and the batch's accepted changes
 * are broadcast in order (as one frame to the sockets that read frames). When another relay node
 * appended first, the room rolls back what the store did not take, catches
 * up from the store and evaluates again.
 */
export function createRoom(name: string, deps: RoomDeps): Room {
  const { store, limits } = deps
  const queue = createSerialQueue()
  let loaded = false
  let seq = 0
  const state = roomState(Object.freeze({}) as Record<string, unknown>)
  let clocks: PathClock = emptyClock()
  let snapshotSeq = 0
  const inbox: PendingPush[] = []
  let scheduled = false

  /** Ids a retry is looking for among the changes other writers appended, with what was stored. */
  let watched: Map<string, StoredChange | undefined> | undefined
  /** Set when `refresh` had to start over from a snapshot, so watched ids may have been skipped. */
  let reloaded = false
  /** With ownership: the lease token under which the room last caught up with the store. */
  let currentUnder: number | undefined

  /** Runs a store call and reports its latency, also when it fails. */
  const timed = async <T>(operation: StoreOperation, call: () => Promise<T>): Promise<T> => {
    const start = performance.now()
    try {
      return await call()
    } finally {
      deps.observe.storeOperation(operation, (performance.now() - start) / 1000)
    }
  }

  const applyStored = (c: StoredChange): void => {
    if (watched?.has(c.id)) watched.set(c.id, c)
    state.apply(c.ops)
    for (const op of c.ops) recordWrite(clocks, op.path, c.ts)
    seq = c.seq
  }

  const load = async (): Promise<void> => {
    reloaded = true
    const snap = await timed('snapshot', () => store.readSnapshot(name))
    seq = snap?.seq ?? 0
    snapshotSeq = seq
    state.reset(snap ? snap.state : (Object.freeze({}) as Record<string, unknown>))
    clocks = snap ? cloneClock(snap.clocks) : emptyClock()
    loaded = true
    await refresh()
  }

  /** Reads what other writers appended after our sequence. */
  const refresh = async (): Promise<void> => {
    for (;;) {
      const page = await timed('since', () => store.since(name, seq, PAGE))
      // Compacted past us (another node compacted): start over from its snapshot.
      if (page === null) return load()
      for (const c of page) applyStored(c)
      if (page.length < PAGE) return
    }
  }

  /**
   * Evaluates one change on top of the room's (speculative) state. On
   * acceptance advances state, clocks and sequence, pushing onto `undo` what
   * restores the clocks if the store does not take the change.
   */
  const evaluate = (
    c: ValidChange,
    origin: string,
    digest: string,
    undo: (() => void)[],
  ): PushResult | StoredChange => {
    // A seed (wall time 0) writes only where nothing was written: against the
    // empty timestamp, any earlier write to an overlapping path makes its op stale,
    // so two fresh clients seeding one room keep both where their paths differ.
    const seed = c.wall === 0
    const kept = c.ops.filter((op) => !isStale(clocks, op.path, seed ? '' : c.ts))
    if (kept.length === 0) {
      return {
        id: c.id,
        reason: 'stale',
        message: seed
          ? 'The room already holds data at every path this seed writes.'
          : 'Every op is older than the last write to its path.',
      }
    }
    let next: Record<string, unknown>
    try {
      next = state.apply(kept)
    } catch (err) {
      const message = isPatchwireError(err) ? err.message : 'The ops could not be applied.'
      return { id: c.id, reason: 'bad_request', message }
    }
    if (deps.gate) {
      const issues = deps.gate.check(next, new Set(kept.map((op) => String(op.path[0]))))
      if (issues) {
        state.undoLast()
        return {
          id: c.id,
          reason: 'schema',
          message: 'The room schema refused the change.',
          issues,
        }
      }
    }
    for (const op of kept) recordWrite(clocks, op.path, c.ts, undo)
    seq += 1
    return { seq, id: c.id, origin, ts: c.ts, ops: kept, digest }
  }

  const persist = createAppender(name, {
    store,
    observe: deps.observe,
    ...(deps.lease ? { lease: deps.lease } : {}),
    timed: (call) => timed('append', call),
  })

  const compact = async (): Promise<void> => {
    const at = seq
    const snapshot = { seq: at, state: state.read(), clocks: cloneClock(clocks) }
    await timed('snapshot', () => store.writeSnapshot(name, snapshot))
    const keep = deps.versionKeep
    if (keep !== undefined) {
      // A version is a convenience for operators: failing to keep one must not stop the log's compaction.
      await store
        .addVersion(name, newRoomVersion(at, snapshot.state, 'compaction', deps.now()), keep)
        .catch((err: unknown) => {
          deps.log({ level: 'error', msg: 'version failed', room: name, error: String(err) })
        })
    }
    await store.compact(name, at - deps.keepTail)
    deps.log({ level: 'debug', msg: 'room compacted', room: name, seq: at })
  }

  /**
   * Answers a re-sent change the log holds with what it holds: the ops the
   * room applied (some may have been stale), and broadcasts it again. The
   * first broadcast may never have happened: a store that took the change but
   * whose reply was lost (Redis going away mid-call) left the push refused
   * `unavailable`, and only this re-send finds it stored. Clients ignore a
   * sequence they already have.
   */
  const answerHeld = async (t: Candidate): Promise<void> => {
    const result = t.results[t.slot]
    if (!result || !('seq' in result)) return
    // Without the read the answer stays `{ id, seq }`: the ack does not depend on it.
    const [c] =
      (await timed('since', () => store.since(name, result.seq - 1, 1)).catch(() => null)) ?? []
    if (!c || c.seq !== result.seq || c.id !== t.change.id) return
    deps.broadcast([toRelayChange(name, c)])
    const dropped = t.change.ops.length - c.ops.length
    if (dropped > 0) t.results[t.slot] = { id: c.id, seq: c.seq, ops: c.ops, dropped }
  }

  /**
   * Gives every candidate a verdict. Each attempt first catches up with the
   * store, so a refusal is always judged against the latest shared state (with
   * several relay nodes this node may be behind), and notes any candidate id
   * another node appended meanwhile. Losing the conditional append rolls back
   * the uncommitted part and tries again.
   */
  const settle = async (candidates: Candidate[]): Promise<void> => {
    const digests = new Map(candidates.map((t) => [t, changeDigest(t.change)]))
    const known = new Map<string, AppliedChange>()
    for (const t of candidates) {
      const prior = await store.applied(name, t.change.id)
      if (prior !== undefined) known.set(t.change.id, prior)
    }
    /** Re-sent changes found in the log, answered with their own sequence. */
    const held: Candidate[] = []
    let finished = true
    let todo = candidates
    for (let attempt = 0; todo.length > 0; attempt++) {
      if (attempt === MAX_ATTEMPTS) {
        for (const t of todo) {
          t.results[t.slot] = {
            id: t.change.id,
            reason: 'unavailable',
            message: 'Other writers kept appending first; push again.',
          }
        }
        finished = false
        break
      }
      const token = deps.lease?.token()
      // Only the lease holder appends: still under the token of its last catch-up, the room
      // holds the whole log. Were the token stale, the fenced append refuses anyway.
      if (attempt > 0 || token === undefined || token !== currentUnder) {
        watched = new Map(todo.map((t) => [t.change.id, undefined]))
        reloaded = false
        try {
          await refresh()
        } finally {
          for (const [id, c] of watched) if (c) known.set(id, c)
          watched = undefined
        }
        currentUnder = token
      }
      if (reloaded) {
        for (const t of todo) {
          const prior = await store.applied(name, t.change.id)
          if (prior !== undefined) known.set(t.change.id, prior)
        }
      }
      const base = seq
      const verdicts: (PushResult | StoredChange)[] = []
      /** Per accepted change: the steps that undo its clock writes. */
      const rollback: { undo: (() => void)[] }[] = []
      state.begin()
      for (const t of todo) {
        const id = t.change.id
        const digest = digests.get(t)!
        const prior = known.get(id)
        if (prior !== undefined) {
          verdicts.push(resentVerdict(id, prior, digest))
          continue
        }
        const undo: (() => void)[] = []
        const v = evaluate(t.change, t.origin, digest, undo)
        if ('origin' in v) {
          known.set(id, { seq: v.seq, digest })
          rollback.push({ undo })
        }
        verdicts.push(v)
      }
      const stored = verdicts.filter((v): v is StoredChange => 'origin' in v)
      const progress = { done: 0 }
      let failed = false
      try {
        await persist(base, stored, progress)
      } catch (err) {
        deps.log({ level: 'error', msg: 'append failed', room: name, error: String(err) })
        failed = true
        currentUnder = undefined
      }
      // Verdicts up to the first uncommitted change are final.
      const kept = progress.done
      // The state keeps what the store took; the clocks are undone below.
      state.end(kept)
      const firstLost = kept < stored.length ? verdicts.indexOf(stored[kept]!) : verdicts.length
      // Consecutive accepted changes that skip the same socket go out together.
      let run: RelayChange[] = []
      let runExcept: string | undefined
      const sendRun = (): void => {
        if (run.length > 0) deps.broadcast(run, runExcept)
        run = []
      }
      for (let i = 0; i < firstLost; i++) {
        const v = verdicts[i]!
        const t = todo[i]!
        if ('origin' in v) {
          if (t.sender !== runExcept) sendRun()
          runExcept = t.sender
          run.push(toRelayChange(name, v))
          const dropped = t.change.ops.length - v.ops.length
          t.results[t.slot] =
            dropped > 0 ? { id: v.id, seq: v.seq, ops: v.ops, dropped } : { id: v.id, seq: v.seq }
        } else {
          t.results[t.slot] = v
          if ('seq' in v) held.push(t)
        }
      }
      sendRun()
      if (firstLost === verdicts.length) break
      if (!failed) deps.observe.redone(name, stored.length - kept)
      // Undo the speculative changes the store did not take, newest first.
      for (let i = rollback.length - 1; i >= kept; i--) {
        const r = rollback[i]!
        for (let j = r.undo.length - 1; j >= 0; j--) r.undo[j]!()
        known.delete(stored[i]!.id)
      }
      seq = base + kept
      // A failing store: the rest keep their "store failed" verdict.
      if (failed) {
        finished = false
        break
      }
      todo = todo.slice(firstLost)
    }
    for (const t of held) await answerHeld(t)
    if (finished && seq - snapshotSeq >= deps.compactEvery) {
      snapshotSeq = seq
      void queue.run(compact).catch((err: unknown) => {
        deps.log({ level: 'error', msg: 'compaction failed', room: name, error: String(err) })
      })
    }
  }

  const drain = async (): Promise<void> => {
    scheduled = false
    const batch = inbox.splice(0)
    const { candidates, outputs } = screenPushes(batch, limits, deps.now())
    try {
      if (!loaded) await load()
      await settle(candidates)
    } catch (err) {
      deps.log({ level: 'error', msg: 'push failed', room: name, error: String(err) })
      // Undecided slots keep their "store failed" verdict; reload before the next push.
      loaded = false
      currentUnder = undefined
    }
    for (const [i, p] of batch.entries()) p.resolve(outputs[i]!)
  }

  return {
    name,
    queue,
    push: (origin, changes, sender) =>
      new Promise((resolve) => {
        inbox.push({ origin, changes, sender, resolve })
        if (scheduled) return
        scheduled = true
        void queue.run(drain)
      }),
    read: (since, until) =>
      queue.run(async () => {
        if (loaded) await refresh()
        else await load()
        const snapshot = { ok: true as const, room: name, seq, snapshot: state.read(), changes: [] }
        if (since === undefined || since > seq) return snapshot
        const upto = Math.min(until ?? seq, seq)
        if (upto <= since) return { ok: true, room: name, seq, changes: [] }
        if (upto - since > limits.maxCatchUp) return snapshot
        const changes = await timed('since', () => store.since(name, since, upto - since))
        if (changes === null) return snapshot
        return { ok: true, room: name, seq, changes: changes.map((c) => toRelayChange(name, c)) }
      }),
  }
}
