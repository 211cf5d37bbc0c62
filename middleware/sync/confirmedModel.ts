import type { RelayChange, WireChange } from '../../src/protocol'
import type { PatchOp } from '../../src/types'
import { type AllowedPath, diffPaths, getAt } from './allowedPaths'
import { type OpenState, openState } from './openState'
import { createPendingPointers } from './pendingPointers'
import { relayCopy } from './relayCopy'

/** A local change waiting for the relay. `seed` marks the first-join seed of the room. */
export interface PendingChange extends WireChange {
  seed?: true
  /** A pessimistic write (`confirmed(action, { optimistic: false })`): pushed, but left out of the visible state until the relay accepts it. */
  hidden?: true
}

/** What the visible state must do after the model moved: one entry per relay change applied. */
export interface VisibleStep {
  /** The relay change that caused it; absent for a rollback or a reset. */
  change?: RelayChange
  /**
   * Set when `change` is a pending change of this client (same id and
   * content), which left `P`.
   */
  own?: true
  ops: PatchOp[]
}

/** The confirmed-base + pending-queue model of one room. */
export interface ConfirmedModel {
  readonly lastSeq: number
  /** Relay-confirmed state of the room (`B`). */
  readonly base: Record<string, unknown>
  /** Unacknowledged local changes, in order (`P`). */
  readonly pending: readonly PendingChange[]
  /** `B` with `P` re-applied: what the synced paths of the store show. */
  readonly shown: Record<string, unknown>
  /** Adds a local change whose ops the store already shows. */
  addLocal(change: PendingChange): void
  /** Buffers a relay change; applied by `drain` once every earlier sequence is in. */
  offer(change: RelayChange): void
  /** Applies buffered changes in sequence order. `resync` when one could not apply to `B`. */
  drain(): { steps: VisibleStep[]; resync: boolean }
  /** The range to ask the relay for when a later sequence arrived before an earlier one. */
  gap(): { since: number; until: number } | undefined
  /** Replaces `B` (a snapshot, or the empty room before a full replay). */
  reset(base: Record<string, unknown>, seq: number): VisibleStep
  /** Removes a pending change (the relay refused it): a rollback step. */
  drop(id: string): VisibleStep | undefined
  /**
   * Removes a pending change the relay accepted at `seq`, which `B` includes
   * (a re-send answered with its own sequence, or a change whose answer came
   * before its relay change, once `drain` applied that).
   */
  held(id: string, seq: number): VisibleStep | undefined
  /**
   * Puts `next` in the place of the pending change `id`: a new id, when the
   * relay holds the old one (told at join before it was pushed, or refused
   * `id_conflict` since). The visible state follows.
   */
  replace(id: string, next: PendingChange): VisibleStep | undefined
  has(id: string): boolean
  /**
   * The JSON Pointers the pending changes (seeds aside) write, sorted and
   * without repeats; kept up to date as changes enter and leave `P`, so
   * reading it costs nothing per pending change.
   */
  readonly pendingPaths: readonly string[]
}

/** Durable form of the model. */
export interface ConfirmedModelState {
  lastSeq: number
  base: Record<string, unknown>
  pending: PendingChange[]
}

/**
 * `base` with the pending changes re-applied in order (one copy per container
 * however many there are); `whole` says that every one of them is in it (none
 * hidden, undecided or left out).
 */
function rebase(
  base: Record<string, unknown>,
  pending: readonly PendingChange[],
  undecided: ReadonlySet<string>,
): { shown: OpenState; whole: boolean } {
  const shown = openState(base)
  let whole = true
  for (const change of pending) {
    if (change.hidden || undecided.has(change.id)) {
      whole = false
      continue
    }
    try {
      shown.apply(change.ops)
    } catch {
      // A pending change that no longer fits the confirmed state (its target was
      // removed remotely) is left out of the view; the relay decides its fate.
      whole = false
    }
  }
  return { shown, whole }
}

/**
 * True when every op writes at or below a synced path (a removal strictly
 * below one: sync never deletes a synced slice), so applying the ops to the
 * store does exactly what they did to `B`.
 */
function within(ops: readonly PatchOp[], paths: readonly AllowedPath[]): boolean {
  return ops.every((op) =>
    paths.some(
      (p) =>
        (op.path.length > p.length || (op.path.length === p.length && op.op !== 'remove')) &&
        p.every((s, i) => s === String(op.path[i])),
    ),
  )
}

/**
 * The client side of DESIGN §3: the relay-confirmed state `B`, the local
 * changes it has not confirmed `P`, and the visible state `B + P`. Pure: it
 * returns the ops the store must apply and never dispatches.
 *
 * @example
 * ```ts
 * const model = createConfirmedModel([['todos']], { lastSeq: 0, base: {}, pending: [] })
 * model.offer(relayChange)
 * for (const step of model.drain().steps) dispatchOps(step.ops)
 * ```
 */
export function createConfirmedModel(
  paths: readonly AllowedPath[],
  initial: ConfirmedModelState,
): ConfirmedModel {
  let lastSeq = initial.lastSeq
  // B and B + P, each written in place between reads (openState.ts). With nothing
  // pending they hold equal values, and each relay change is applied to both.
  let base = openState(initial.base)
  let pending: PendingChange[] = initial.pending.slice()
  const buffer = new Map<number, RelayChange>()
  /**
   * Pending changes a relay change under their id showed in part (`'trimmed'`):
   * out of the view until their push is answered, since `B` holds what the
   * relay kept of them if they are ours.
   */
  const undecided = new Set<string>()
  /**
   * `whole`: true while `shown` is exactly `B` with every change of `P`
   * applied in order (none hidden, undecided or left out for not fitting);
   * then a relay change that is the head of `P` moves it to `B` and leaves
   * `shown` as it is, with no re-application of the rest.
   */
  let { shown, whole } = rebase(base.read(), pending, undecided)
  const pointers = createPendingPointers()
  // By id, so settling an acknowledged change costs the same whatever the queue's length.
  const byId = new Map<string, PendingChange>()
  const enter = (change: PendingChange) => {
    byId.set(change.id, change)
    pointers.add(change)
  }
  const leave = (change: PendingChange) => {
    if (byId.get(change.id) === change) byId.delete(change.id)
    pointers.remove(change)
  }
  for (const change of pending) enter(change)

  const move = (change?: RelayChange): VisibleStep => {
    const before = shown.read()
    ;({ shown, whole } = rebase(base.read(), pending, undecided))
    const step: VisibleStep = { ops: diffPaths(before, shown.read(), paths) }
    if (change) step.change = change
    return step
  }

  const remove = (id: string): VisibleStep | undefined => {
    const gone = byId.get(id)
    if (!gone) return undefined
    pending = pending.filter((p) => p !== gone)
    leave(gone)
    undecided.delete(id)
    return move()
  }

  return {
    get lastSeq() {
      return lastSeq
    },
    get base() {
      return base.read()
    },
    get pending() {
      return pending
    },
    get shown() {
      return shown.read()
    },
    get pendingPaths() {
      return pointers.sorted()
    },
    addLocal(change) {
      pending.push(change)
      enter(change)
      if (change.hidden) {
        whole = false
        return
      }
      try {
        shown.apply(change.ops)
      } catch {
        ;({ shown, whole } = rebase(base.read(), pending, undecided))
      }
    },
    offer(change) {
      if (change.seq > lastSeq && !buffer.has(change.seq)) buffer.set(change.seq, change)
    },
    drain() {
      const steps: VisibleStep[] = []
      for (let next = buffer.get(lastSeq + 1); next; next = buffer.get(lastSeq + 1)) {
        buffer.delete(next.seq)
        try {
          base.apply(next.ops)
        } catch {
          // B no longer matches the relay's room: only a fresh replay repairs it.
          return { steps, resync: true }
        }
        lastSeq = next.seq
        const mine = byId.get(next.id)
        // Only the same change acknowledges a pending one: another process under
        // this client id may have taken the id first, and then this change is not
        // in the room (its push is refused id_conflict, and it is pushed again).
        const copy = mine && relayCopy(mine, next)
        if (mine && copy === 'same' && whole && pending[0] === mine) {
          // The head of P, as the relay applied it: B + P is what the store
          // shows already, so nothing is re-applied and nothing moves.
          pending.shift()
          leave(mine)
          steps.push({ change: next, own: true, ops: [] })
          continue
        }
        if (!mine && pending.length === 0 && undecided.size === 0 && within(next.ops, paths)) {
          // Nothing pending, so the view is B: the relay's own ops move it, with no diff.
          try {
            shown.apply(next.ops)
          } catch {
            shown = openState(base.read())
          }
          whole = true
          steps.push({ change: next, ops: next.ops })
          continue
        }
        if (mine && copy === 'same') {
          pending = pending.filter((p) => p !== mine)
          leave(mine)
          undecided.delete(next.id)
        } else if (copy === 'trimmed') undecided.add(next.id)
        const step = move(next)
        if (copy === 'same') step.own = true
        steps.push(step)
      }
      for (const seq of buffer.keys()) if (seq <= lastSeq) buffer.delete(seq)
      return { steps, resync: false }
    },
    gap() {
      let low = Number.POSITIVE_INFINITY
      for (const seq of buffer.keys()) if (seq < low) low = seq
      return low === Number.POSITIVE_INFINITY || low === lastSeq + 1
        ? undefined
        : { since: lastSeq, until: low - 1 }
    },
    reset(nextBase, seq) {
      base = openState(nextBase)
      lastSeq = seq
      for (const s of buffer.keys()) if (s <= seq) buffer.delete(s)
      return move()
    },
    drop: remove,
    // Held by the relay or refused, the change leaves P the same way; decorators read the seq.
    held: remove,
    replace(id, next) {
      const old = byId.get(id)
      if (!old) return undefined
      pending = pending.map((p) => (p === old ? next : p))
      leave(old)
      enter(next)
      undecided.delete(id)
      return move()
    },
    has: (id) => byId.has(id),
  }
}

/**
 * The ops of a seed that write paths `base` does not hold yet: the rest are
 * the room's already (it was not empty), which is what a seed yields to.
 */
export function seedOpsToPush(seed: PendingChange, base: Record<string, unknown>): PatchOp[] {
  return seed.ops.filter((op) => getAt(base, op.path.map(String)) === undefined)
}

/**
 * What the first relay change after a join wrote at `path`, which a seed
 * pending for that path raced: the value there, or `'deeper'` when the change
 * wrote below it only (the room held data there already); `undefined` when
 * `ops` do not touch `path`.
 */
export function firstWriteAt(
  ops: readonly PatchOp[],
  path: readonly (string | number)[],
): { value: unknown } | 'deeper' | undefined {
  for (const op of ops) {
    const n = Math.min(op.path.length, path.length)
    let overlaps = true
    for (let i = 0; i < n && overlaps; i++) overlaps = String(op.path[i]) === String(path[i])
    if (!overlaps) continue
    if (op.path.length > path.length) return 'deeper'
    if (op.op === 'remove') return { value: undefined }
    return { value: getAt(op.value, path.slice(op.path.length).map(String)) }
  }
  return undefined
}

/**
 * The ops of a seed whose value differs from `valueAt(op)`, the value that
 * beat it: what a seed that lost its paths to another fresh client's seed
 * actually loses (two clients with the same start state lose nothing).
 */
export function seedOpsLost(ops: readonly PatchOp[], valueAt: (op: PatchOp) => unknown): PatchOp[] {
  return ops.filter((op) => !sameJson(valueAt(op), op.value))
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  if (ka.length !== kb.length) return false
  return ka.every(
    (k) =>
      Object.hasOwn(b, k) &&
      sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  )
}
