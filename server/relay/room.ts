import { applyOps } from '../../src/applyOps'
import { isPatchwireError } from '../../src/errors'
import type { JoinAck, PushResult, RelayChange } from '../../src/protocol'
import type { SchemaGate } from '../../src/schemaGate'
import type { PatchOp } from '../../src/types'
import type { PathClock, RelayStore, StoredChange } from '../store/types'
import { cloneClock, emptyClock, isStale, recordWrite } from './pathClock'
import { createSerialQueue, type SerialQueue } from './serialQueue'
import type { RelayLimits, RelayLogEntry } from './types'
import { isRefusal, parseChange, type ValidChange } from './validate'

/** What a room needs from its relay. */
export interface RoomDeps {
  store: RelayStore
  gate: SchemaGate | undefined
  limits: RelayLimits
  now: () => number
  compactEvery: number
  keepTail: number
  /** Sends an applied change to every socket in the room. */
  broadcast: (change: RelayChange) => void
  log: (entry: RelayLogEntry) => void
}

/** One room's cached state and its serialized work. Every method runs on the room's queue. */
export interface Room {
  readonly name: string
  readonly queue: SerialQueue
  /** Applies pushed changes in order and returns one verdict per change. */
  push(origin: string, changes: readonly unknown[]): Promise<PushResult[]>
  /** The changes after `since` (up to `until`), or a snapshot when the log cannot serve them. */
  read(since: number | undefined, until?: number): Promise<Extract<JoinAck, { ok: true }>>
}

type Verdict =
  | { ok: true; next: Record<string, unknown>; kept: PatchOp[]; dropped: number }
  | { ok: false; result: PushResult }

const PAGE = 1000
const MAX_APPEND_ATTEMPTS = 20

/**
 * Creates a room. Its state, path clocks and sequence are loaded from the
 * store on first use (snapshot, then the log after it) and kept in memory;
 * when another relay node appended first, the room catches up from the store
 * and evaluates the change again.
 */
export function createRoom(name: string, deps: RoomDeps): Room {
  const { store, limits } = deps
  const queue = createSerialQueue()
  let loaded = false
  let seq = 0
  let state: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>
  let clocks: PathClock = emptyClock()
  let snapshotSeq = 0

  /** The change id `catchUp` looks for among the changes it reads, and where it found it. */
  let watched: { id: string; seq?: number; done?: boolean } = { id: '', done: true }
  let reloads = 0

  const applyStored = (c: StoredChange): void => {
    if (!watched.done && c.id === watched.id) watched.seq = c.seq
    state = applyOps(state, c.ops)
    for (const op of c.ops) recordWrite(clocks, op.path, c.ts)
    seq = c.seq
  }

  /** Reads what other writers appended since our sequence. */
  const refresh = async (): Promise<void> => {
    for (;;) {
      const page = await store.since(name, seq, PAGE)
      if (page === null) {
        // The log was compacted past us (another node compacted): start over from its snapshot.
        reloads++
        loaded = false
        await load()
        return
      }
      for (const c of page) applyStored(c)
      if (page.length < PAGE) return
    }
  }

  /**
   * Catches up with the log and tells whether change `id` was among what
   * other nodes appended meanwhile (its sequence), so the append retry loop
   * needs no extra `applied` round trip: every round trip between catching up
   * and appending is a window for another node to append first.
   */
  const catchUp = async (id: string): Promise<number | undefined> => {
    watched = { id }
    const reloadsBefore = reloads
    try {
      await refresh()
    } finally {
      watched.done = true
    }
    if (watched.seq !== undefined) return watched.seq
    // Reloaded from a snapshot: the changes in between were not seen one by one.
    return reloads !== reloadsBefore ? store.applied(name, id) : undefined
  }

  const load = async (): Promise<void> => {
    if (loaded) return refresh()
    const snap = await store.readSnapshot(name)
    seq = snap?.seq ?? 0
    snapshotSeq = seq
    state = snap ? snap.state : (Object.freeze({}) as Record<string, unknown>)
    clocks = snap ? cloneClock(snap.clocks) : emptyClock()
    loaded = true
    await refresh()
  }

  const evaluate = (c: ValidChange): Verdict => {
    const kept = c.ops.filter((op) => !isStale(clocks, op.path, c.ts))
    if (kept.length === 0) {
      return {
        ok: false,
        result: {
          id: c.id,
          reason: 'stale',
          message: 'Every op is older than the last write to its path.',
        },
      }
    }
    let next: Record<string, unknown>
    try {
      next = applyOps(state, kept)
    } catch (err) {
      const message = isPatchwireError(err) ? err.message : 'The ops could not be applied.'
      return { ok: false, result: { id: c.id, reason: 'bad_request', message } }
    }
    if (deps.gate) {
      const touched = new Set(kept.map((op) => String(op.path[0])))
      const issues = deps.gate.check(next, touched)
      if (issues) {
        return {
          ok: false,
          result: {
            id: c.id,
            reason: 'schema',
            message: 'The room schema refused the change.',
            issues,
          },
        }
      }
    }
    return { ok: true, next, kept, dropped: c.ops.length - kept.length }
  }

  const compact = async (): Promise<void> => {
    const at = seq
    await store.writeSnapshot(name, { seq: at, state, clocks: cloneClock(clocks) })
    snapshotSeq = at
    await store.compact(name, at - deps.keepTail)
    deps.log({ level: 'debug', msg: 'room compacted', room: name, seq: at })
  }

  const pushOne = async (origin: string, raw: unknown): Promise<PushResult> => {
    const parsed = parseChange(raw as Record<string, unknown>, limits)
    const id = (raw as { id: string }).id
    if (isRefusal(parsed)) return { id, ...parsed }
    if (parsed.wall > deps.now() + limits.maxClockAheadMs) {
      return {
        id,
        reason: 'bad_request',
        message: 'The timestamp runs too far ahead of the relay clock.',
      }
    }
    if (!id.startsWith(`${origin}:`)) {
      return {
        id,
        reason: 'bad_request',
        message: `Change ids must start with the joined clientId "${origin}:".`,
      }
    }
    const prior = await store.applied(name, id)
    if (prior !== undefined) return { id, seq: prior }
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
      const verdict = evaluate(parsed)
      if (!verdict.ok) {
        // With several relay nodes this node's state may be behind the shared
        // log (another node created the path this change writes under). A
        // refusal never reaches the conditional append that would reveal
        // that, so catch up first and refuse only against the latest state.
        const before = seq
        const seen = await catchUp(id)
        if (seen !== undefined) return { id, seq: seen }
        if (seq !== before) continue
        return verdict.result
      }
      const stored: StoredChange = { seq: seq + 1, id, origin, ts: parsed.ts, ops: verdict.kept }
      const appended = await store.append(name, seq, stored)
      if (!appended.ok) {
        // Another node appended first (or the same id arrived through another node).
        const seen = await catchUp(id)
        if (seen !== undefined) return { id, seq: seen }
        continue
      }
      seq = stored.seq
      state = verdict.next
      for (const op of verdict.kept) recordWrite(clocks, op.path, parsed.ts)
      deps.broadcast({ room: name, ...stored })
      if (seq - snapshotSeq >= deps.compactEvery) {
        snapshotSeq = seq
        void queue.run(compact).catch((err: unknown) => {
          deps.log({ level: 'error', msg: 'compaction failed', room: name, error: String(err) })
        })
      }
      return verdict.dropped > 0
        ? { id, seq, ops: verdict.kept, dropped: verdict.dropped }
        : { id, seq }
    }
    return { id, reason: 'unavailable', message: 'Other writers kept appending first; push again.' }
  }

  return {
    name,
    queue,
    push: (origin, changes) =>
      queue.run(async () => {
        // A conditional append that loses tells us when another node wrote; no need to re-read first.
        if (!loaded) await load()
        const results: PushResult[] = []
        for (const raw of changes) {
          // A client's changes keep their order: once one is refused as
          // retryable, the rest of the push is too, so none overtakes it.
          if (results.some((r) => 'reason' in r && r.reason === 'unavailable')) {
            results.push({
              id: (raw as { id: string }).id,
              reason: 'unavailable',
              message: 'An earlier change of this push must be pushed again first.',
            })
            continue
          }
          try {
            results.push(await pushOne(origin, raw))
          } catch (err) {
            deps.log({ level: 'error', msg: 'push failed', room: name, error: String(err) })
            results.push({
              id: (raw as { id: string }).id,
              reason: 'unavailable',
              message: 'The relay store failed.',
            })
          }
        }
        return results
      }),
    read: (since, until) =>
      queue.run(async () => {
        await load()
        const snapshot = { ok: true as const, room: name, seq, snapshot: state, changes: [] }
        if (since === undefined || since > seq) return snapshot
        const upto = Math.min(until ?? seq, seq)
        if (upto <= since) return { ok: true, room: name, seq, changes: [] }
        if (upto - since > limits.maxCatchUp) return snapshot
        const changes = await store.since(name, since, upto - since)
        if (changes === null) return snapshot
        return { ok: true, room: name, seq, changes: changes.map((c) => ({ room: name, ...c })) }
      }),
  }
}
