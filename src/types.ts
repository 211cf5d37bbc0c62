/** A JSON value: what patches carry and what storage and the wire can hold. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue }

/** One segment of a path: an object key, an array index, or `'-'` (append) as the last segment. */
export type PathSegment = string | number

/** A path into the state, as segments. JSON Pointer strings are accepted at the edges and converted. */
export type Path = readonly PathSegment[]

/** Where a change came from. */
export type ChangeSource = 'local' | 'persist' | 'sync' | 'stream' | 'devtools'

/** The operations patchwire applies. */
export type PatchOpKind = 'add' | 'replace' | 'remove'

/**
 * One patch operation on the state.
 *
 * - `add` sets an object key (creating it) or inserts into an array (`'-'` appends).
 * - `replace` sets an existing key or index.
 * - `remove` deletes an existing key or index.
 */
export interface PatchOp {
  op: PatchOpKind
  path: Path
  value?: unknown
}

/**
 * A group of ops that applies atomically, with where it came from.
 *
 * @example
 * ```ts
 * const change: Change = { source: 'stream', ops: [{ op: 'replace', path: ['price'], value: 3 }] }
 * ```
 */
export interface Change {
  ops: PatchOp[]
  source: ChangeSource
  /** The node (client or relay) that made the change. */
  origin?: string
  /** Hybrid logical clock timestamp, in its string form (see `formatHlc`). */
  ts?: string
  /** Per-room sequence number assigned by the relay. */
  seq?: number
  /** Unique change id (`<node>:<counter>`), used for exactly-once delivery. */
  id?: string
  /** The relay room the change belongs to. */
  room?: string
}

/** A `PatchOp` as callers may write it: the path as segments or a JSON Pointer string. */
export interface PatchOpInput {
  op: PatchOpKind
  path: Path | string
  value?: unknown
}

/** A `Change` as callers may write it (JSON Pointer paths allowed). */
export interface ChangeInput extends Omit<Change, 'ops'> {
  ops: PatchOpInput[]
}

/** A validation problem, in the shape of Standard Schema issues (plain data, formatted only when shown). */
export interface PatchIssue {
  message: string
  path?: PathSegment[]
  code?: string
}
