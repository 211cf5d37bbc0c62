import type { PatchOp } from '../../src/types'

/**
 * A change as the relay stores it: the ops it actually applied, with the
 * sequence it assigned. Same shape as the wire's `RelayChange` minus `room`.
 */
export interface StoredChange {
  /** Per-room sequence, `1, 2, 3…` with no gaps. */
  seq: number
  /** The client's change id (`<clientId>:<counter>`). */
  id: string
  /** The client that pushed it (its `clientId` from `join`). */
  origin: string
  /** Hybrid logical clock timestamp, string form. */
  ts: string
  ops: PatchOp[]
  /**
   * Digest of the change as its client pushed it (timestamp and ops, see
   * `changeDigest`): a re-sent id counts as already applied only when its
   * digest matches. Absent on entries written before digests were kept.
   */
  digest?: string
}

/** What a store knows of a change id (`applied`). */
export type AppliedChange =
  /** In the log at `seq`, with the digest of the change as pushed. */
  | { seq: number; digest?: string }
  /**
   * Not in the log, and no newer than a compacted change of its client: it was
   * applied and compacted away, or refused; the store can no longer tell which.
   */
  | { compacted: true }

/**
 * The per-path "last write" timestamps of a room, as a trie keyed by path
 * segment (segments as strings). `t` is the timestamp of the last write at
 * exactly this path, `m` the greatest timestamp anywhere at or below it, so a
 * stale check costs one walk down the op's path. Plain JSON so stores can
 * keep it beside the state.
 */
export interface PathClock {
  t?: string
  m: string
  c?: Record<string, PathClock>
}

/** A room's state at a sequence, with its path clocks: what compaction keeps of the log before it. */
export interface RoomSnapshot {
  seq: number
  state: Record<string, unknown>
  clocks: PathClock
}

/** Why a room version was taken: by compaction, on demand, or right before a restore. */
export type RoomVersionReason = 'compaction' | 'manual' | 'restore'

/** What a listing tells of a room version (`relay.versions`). */
export interface RoomVersionInfo {
  /** Unique within the room; what `relay.restoreVersion` takes. */
  id: string
  /** The room's sequence the version was taken at. */
  seq: number
  /** Wall ms when it was taken. */
  takenAt: number
  reason: RoomVersionReason
}

/** A room version: its listing plus the room's state at `seq`. */
export interface RoomVersion extends RoomVersionInfo {
  state: Record<string, unknown>
}

/** The outcome of a conditional append. */
export type AppendResult =
  | { ok: true }
  /** Another writer appended first; `head` is the room's sequence now. Catch up and retry. */
  | { ok: false; head: number; fenced?: never }
  /**
   * The append carried a fencing token the room's lease no longer holds:
   * another relay node owns the room now. Nothing was written; do not retry here.
   */
  | { ok: false; head: number; fenced: true }

/**
 * Where a relay keeps each room's ordered change log, its snapshots and the
 * ids it has applied. Every method is async so a networked store (Redis)
 * fits the same interface, and several relay nodes can share one store: the
 * conditional `append` is what orders them.
 *
 * Implementations: `memoryStore` (tests, one process), `sqliteStore`
 * (the embedded default, durable before it resolves).
 */
export interface RelayStore {
  /** The room's last sequence; `0` for a room never written. */
  head(room: string): Promise<number>
  /**
   * Appends `change` (whose `seq` must be `expectedSeq + 1`) if and only if
   * the room's head is still `expectedSeq`, and records `change.id` as
   * applied for its origin, atomically. Resolves only once the change is
   * durable: the relay acknowledges it to the client after this.
   *
   * `fence` is the fencing token of the room's lease, passed by a relay node
   * that owns the room (`redisOwnership`): a store that keeps leases (Redis)
   * appends only while the lease holds that token and answers `fenced`
   * otherwise. Stores without leases (one relay node) never receive one.
   */
  append(
    room: string,
    expectedSeq: number,
    change: StoredChange,
    fence?: number,
  ): Promise<AppendResult>
  /**
   * Optional group commit: appends `changes` (sequences `expectedSeq + 1…`)
   * all or none, under the same condition as `append` (`fence` included),
   * with one durable commit. The relay uses it when present to batch
   * concurrent pushes.
   */
  appendMany?(
    room: string,
    expectedSeq: number,
    changes: StoredChange[],
    fence?: number,
  ): Promise<AppendResult>
  /**
   * The changes with `seq > after`, ascending, at most `limit` of them.
   * `null` when compaction removed some of them: read the snapshot instead.
   */
  since(room: string, after: number, limit?: number): Promise<StoredChange[] | null>
  /** The latest snapshot written for the room, if any. */
  readSnapshot(room: string): Promise<RoomSnapshot | undefined>
  /** Keeps `snapshot` unless one with a greater or equal `seq` is already stored. */
  writeSnapshot(room: string, snapshot: RoomSnapshot): Promise<void>
  /**
   * Drops log entries with `seq <= through`. Callers write a snapshot at or
   * after `through` first, so every sequence stays reachable one way or the other.
   */
  compact(room: string, through: number): Promise<void>
  /**
   * What the room knows of a change id, for exactly-once: the log entry's
   * sequence and digest while the id is in the log; `{ compacted: true }` once
   * compaction removed it, for an id whose counter is not greater than the
   * greatest compacted counter of its client (applied or refused: the relay
   * answers such a re-send `unknown`, never "applied"); `undefined` for an id
   * never applied (ids without a numeric counter are only found while their
   * log entry exists).
   */
  applied(room: string, id: string): Promise<AppliedChange | undefined>
  /**
   * The greatest counter of `client`'s change ids applied in the room (kept
   * through compaction); `0` when none. Told to a joining client so that,
   * restarted without its counter, it continues after it.
   */
  clientCounter(room: string, client: string): Promise<number>
  /**
   * Binds `client` to `principal` in the room unless it is bound already, and
   * resolves the principal it is bound to (the first that claimed it),
   * atomically and durably: a client id belongs to its first principal for good.
   */
  claimClient(room: string, client: string, principal: string): Promise<string>
  /** The principal `client` is bound to in the room, if any (no claim). */
  clientOwner(room: string, client: string): Promise<string | undefined>
  /**
   * Keeps `version` among the room's versions, then drops the oldest ones
   * beyond the newest `keep`, atomically.
   */
  addVersion(room: string, version: RoomVersion, keep: number): Promise<void>
  /** The room's versions, oldest first, without their state. */
  versions(room: string): Promise<RoomVersionInfo[]>
  /** One version with its state; `undefined` for an id the room does not hold. */
  readVersion(room: string, id: string): Promise<RoomVersion | undefined>
  /** Rooms that have a log or a snapshot (for health and tooling). */
  rooms(): Promise<string[]>
  /** Cheap liveness probe for health checks. */
  ping(): Promise<boolean>
  /** Releases the underlying resources; further calls reject. */
  close(): Promise<void>
}

/**
 * Splits a change id `<clientId>:<counter>` into its parts; `undefined` when
 * the id does not end in a non-negative integer counter.
 */
export function parseChangeId(id: string): { client: string; counter: number } | undefined {
  const at = id.lastIndexOf(':')
  if (at <= 0) return undefined
  const tail = id.slice(at + 1)
  if (!/^(0|[1-9]\d{0,15})$/.test(tail)) return undefined
  return { client: id.slice(0, at), counter: Number(tail) }
}
