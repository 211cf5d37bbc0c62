import { checkOp } from './checkOp'
import { type Container, isContainer } from './checkValue'
import { arrayIndex, copyContainer, notAContainer } from './containerSteps'
import { describeValue, PatchwireError } from './errors'
import type { PatchOp, PathSegment } from './types'

/**
 * Applies the changes of one batch to an immutable state, each change atomically.
 *
 * A container is copied the first time any change of the batch writes into it and
 * is then written in place by later changes, so a batch of 100 changes to one
 * large map copies that map once, not 100 times. Atomicity comes from an undo
 * journal of the writes a change made into containers copied by earlier changes:
 * a refused change is rolled back exactly (values and key order). Nothing reachable
 * from the input state is ever written.
 */
export interface PatchBatch<S> {
  /** The state so far (containers copied by the batch are not frozen until `finish`). */
  readonly current: S
  /**
   * Applies the ops of one change; when one fails, rolls the change back and rethrows.
   * `checked` says `checkOp` already passed on every op (a vouched change): only what
   * depends on the state is looked at then.
   */
  apply(ops: readonly PatchOp[], checked?: boolean): void
  /**
   * From `from` on, writes the changes of a checked list that the caller will not roll
   * back with `undoLast` (no schema check follows them), one loop for all of them, as
   * long as each is a one-op `add` of a string key into the map the last op wrote into,
   * below a first segment other than `statusKey`: a stream's common change. Nothing
   * there can fail, so no undo entry is kept. Returns the index of the first change it
   * did not write (`from` when none).
   */
  applyKeptRun(
    changes: readonly { ops: readonly PatchOp[] }[],
    from: number,
    statusKey: string | null,
  ): number
  /** Rolls back the last applied change, e.g. when the schema refuses its result. */
  undoLast(): void
  /** Freezes what the batch copied and returns the final state; the batch is done. */
  finish(): S
}

// What an undo entry of the journal restores (see `Batch.journal`).
const SET_KEY = 0 // node[key] = old
const ADDED_KEY = 1 // delete node[key]
const DELETED_KEY = 2 // node[key] = old, in its former place (old is { value, order })
const INSERTED_AT = 3 // node.splice(key, 1)
const REMOVED_AT = 4 // node.splice(key, 0, old)
const SET_INDEX = 5 // node[key] = old

// Exported for `createHistoryBatch` (historyBatch.ts) only; the public factory is
// `createPatchBatch`. A class rather than a closure per helper: the sink starts a batch on every dispatch, and
// its methods are then shared instead of allocated each time.
export class Batch<S> implements PatchBatch<S> {
  private root: unknown
  // The change in progress or last applied: the root before it, the containers it copied
  // (no undo needed inside those: rollback drops the copy itself), how to undo its other writes.
  protected rootBefore: unknown
  /** Every container the batch copied, with the number of the change that copied it. */
  private readonly copies = new Map<Container, number>()
  private change = 0
  protected made: Container[] = []
  /**
   * The undo entries of the current change, four slots each (what, node, key or index,
   * old value), flat rather than a closure per write: a stream batch writes once per
   * change into a map an earlier change copied, and allocated a closure each time.
   * Both lists are emptied, not replaced, at each change (see `clearUndo`).
   */
  protected journal: unknown[] = []
  /** Whether the last change is applied and not rolled back (its undo is the fields above). */
  protected live = false
  /**
   * The container the last op's path led to, before its last segment, and that path
   * without it: consecutive ops under one parent (a stream writing a map's keys) skip
   * the walk down to it. Valid while nothing but that parent was written into since:
   * any other write, a new root or an undo forgets it.
   */
  private parent: Container | null = null
  private parentPrefix: PathSegment[] | null = null
  /** The change that copied `parent` (its writes need undo entries in later changes). */
  private parentCopiedBy: number | undefined

  constructor(state: S) {
    this.root = state
    this.rootBefore = state
  }

  get current(): S {
    return this.root as S
  }

  private own(node: Container): Container {
    if (this.copies.has(node)) return node
    const copy = copyContainer(node)
    this.copies.set(copy, this.change)
    this.made.push(copy)
    return copy
  }

  /** Whether a write into `node` needs an undo entry: it was copied by an earlier change. */
  private journaled(node: Container): boolean {
    return this.copies.get(node) !== this.change
  }

  private setKey(node: Record<string, unknown>, key: string, value: unknown): void {
    if (node !== this.parent) this.parentPrefix = null
    if (this.journaled(node)) {
      if (Object.hasOwn(node, key)) this.journal.push(SET_KEY, node, key, node[key])
      else this.journal.push(ADDED_KEY, node, key, undefined)
    }
    node[key] = value
  }

  private deleteKey(node: Record<string, unknown>, key: string): void {
    if (node !== this.parent) this.parentPrefix = null
    if (this.journaled(node)) {
      this.journal.push(DELETED_KEY, node, key, { value: node[key], order: Object.keys(node) })
    }
    delete node[key]
  }

  private insertAt(node: unknown[], index: number, value: unknown): void {
    if (node !== this.parent) this.parentPrefix = null
    if (this.journaled(node)) this.journal.push(INSERTED_AT, node, index, undefined)
    node.splice(index, 0, value)
  }

  private removeAt(node: unknown[], index: number): void {
    if (node !== this.parent) this.parentPrefix = null
    if (this.journaled(node)) this.journal.push(REMOVED_AT, node, index, node[index])
    node.splice(index, 1)
  }

  private setIndex(node: unknown[], index: number, value: unknown): void {
    if (node !== this.parent) this.parentPrefix = null
    if (this.journaled(node)) this.journal.push(SET_INDEX, node, index, node[index])
    node[index] = value
  }

  private undoEntry(what: number, node: unknown, at: unknown, old: unknown): void {
    if (what === SET_KEY || what === SET_INDEX) {
      ;(node as Record<string | number, unknown>)[at as string | number] = old
    } else if (what === ADDED_KEY) delete (node as Record<string, unknown>)[at as string]
    else if (what === INSERTED_AT) (node as unknown[]).splice(at as number, 1)
    else if (what === REMOVED_AT) (node as unknown[]).splice(at as number, 0, old)
    else {
      const map = node as Record<string, unknown>
      const key = at as string
      const { value, order } = old as { value: unknown; order: string[] }
      map[key] = value
      if (order.at(-1) === key) return
      // Put the key back in its place: rebuild the object in its former key order.
      const entries = order.map((k) => [k, map[k]] as const)
      for (const k of order) delete map[k]
      for (const [k, v] of entries) map[k] = v
    }
  }

  /** Walks down to the container `path` leads to before its last segment, copying on the way. */
  private walk(path: PathSegment[], last: number): Container {
    if (!isContainer(this.root)) throw notAContainer([], this.root)
    this.root = this.own(this.root)
    let node = this.root as Container
    for (let i = 0; i < last; i++) {
      const seg = path[i]!
      let child: unknown
      if (Array.isArray(node)) {
        const index = arrayIndex(node, seg, path, i, false)
        child = node[index]
        if (!isContainer(child)) throw notAContainer(path.slice(0, i + 1), child)
        const copy = this.own(child)
        if (copy !== child) this.setIndex(node, index, copy)
        node = copy
      } else {
        const key = String(seg)
        if (!Object.hasOwn(node, key)) {
          const at = path.slice(0, i + 1)
          throw new PatchwireError('missing_path', `Nothing exists at ${JSON.stringify(at)}.`, {
            path: at,
          })
        }
        child = node[key]
        if (!isContainer(child)) throw notAContainer(path.slice(0, i + 1), child)
        const copy = this.own(child)
        if (copy !== child) this.setKey(node, key, copy)
        node = copy
      }
    }
    return node
  }

  /** The cached parent when `path` without its last segment is the cached prefix, else null. */
  private underParent(path: readonly PathSegment[], last: number): Container | null {
    const prefix = this.parentPrefix
    if (prefix === null || prefix.length !== last) return null
    for (let i = 0; i < last; i++) if (prefix[i] !== path[i]) return null
    return this.parent
  }

  private applyOne(raw: PatchOp, checked: boolean): void {
    const path = checked ? (raw.path as PathSegment[]) : checkOp(raw)
    if (path.length === 0) {
      this.parentPrefix = null
      this.root = raw.value
      return
    }
    const last = path.length - 1
    let node = this.underParent(path, last)
    if (node === null) {
      node = this.walk(path, last)
      this.parent = node
      this.parentPrefix = path.slice(0, last)
      this.parentCopiedBy = this.copies.get(node)
    }
    const seg = path[last]!
    if (raw.op === 'add' && typeof seg === 'string' && !Array.isArray(node)) {
      // The stream's case, a key written into the cached parent, without the calls below.
      const map = node as Record<string, unknown>
      if (this.parentCopiedBy !== this.change) {
        if (Object.hasOwn(map, seg)) this.journal.push(SET_KEY, map, seg, map[seg])
        else this.journal.push(ADDED_KEY, map, seg, undefined)
      }
      map[seg] = raw.value
      return
    }
    if (Array.isArray(node)) {
      const index = arrayIndex(node, seg, path, last, raw.op === 'add')
      if (raw.op === 'add') this.insertAt(node, index, raw.value)
      else if (raw.op === 'replace') this.setIndex(node, index, raw.value)
      else this.removeAt(node, index)
      return
    }
    const key = String(seg)
    if (raw.op !== 'add' && !Object.hasOwn(node, key)) {
      throw new PatchwireError(
        'missing_path',
        `Nothing exists at ${JSON.stringify(path)} to ${raw.op}.`,
        { path },
      )
    }
    if (raw.op === 'remove') this.deleteKey(node, key)
    else this.setKey(node, key, raw.value)
  }

  apply(ops: readonly PatchOp[], checked = false): void {
    if (!Array.isArray(ops)) {
      throw new PatchwireError(
        'invalid_change',
        `ops must be an array, received ${describeValue(ops)}.`,
        {
          reason: 'ops is not an array',
        },
      )
    }
    this.beforeChange()
    this.rootBefore = this.root
    this.change++
    this.clearUndo()
    try {
      for (let i = 0; i < ops.length; i++) this.applyOne(ops[i]!, checked)
    } catch (err) {
      this.undoLast()
      throw err
    }
    this.live = true
  }

  applyKeptRun(
    changes: readonly { ops: readonly PatchOp[] }[],
    from: number,
    statusKey: string | null,
  ): number {
    const prefix = this.parentPrefix
    const node = this.parent as Record<string, unknown> | null
    if (prefix === null || node === null || prefix.length === 0 || Array.isArray(node)) return from
    const p0 = prefix[0]
    if (statusKey !== null && p0 === statusKey) return from
    const n = prefix.length
    const p1 = prefix[1]
    let i = from
    // Everything inline: a stream's batch is a thousand of these, in code not yet optimized.
    for (; i < changes.length; i++) {
      const ops = changes[i]!.ops
      if (ops.length !== 1) break
      const op = ops[0]!
      const path = op.path as PathSegment[]
      if (op.op !== 'add' || path.length !== n + 1 || path[0] !== p0) break
      if (n > 1 && path[1] !== p1) break
      if (n > 2 && this.underParent(path, n) === null) break
      const key = path[n]
      if (typeof key !== 'string') break
      node[key] = op.value
    }
    if (i > from && this.live) {
      // No undo follows these, and the earlier change's is dropped: an `undoLast` now
      // would restore nothing rather than the wrong change.
      this.clearUndo()
      this.rootBefore = this.root
      this.live = false
    }
    return i
  }

  undoLast(): void {
    this.parentPrefix = null
    const journal = this.journal
    for (let i = journal.length - 4; i >= 0; i -= 4) {
      this.undoEntry(journal[i] as number, journal[i + 1], journal[i + 2], journal[i + 3])
    }
    for (const copy of this.made) this.copies.delete(copy)
    this.root = this.rootBefore
    this.clearUndo()
    this.live = false
  }

  /** Called as a change starts, while the fields still undo the last one. */
  protected beforeChange(): void {}

  /** Empties the undo lists for the next change: the same lists, reused. */
  protected clearUndo(): void {
    this.made.length = 0
    this.journal.length = 0
  }

  finish(): S {
    for (const container of this.copies.keys()) Object.freeze(container)
    this.copies.clear()
    this.live = false
    return this.root as S
  }
}

/**
 * Starts a batch on `state`. `applyOps` is a batch of one change.
 *
 * @example
 * ```ts
 * const batch = createPatchBatch(state)
 * for (const change of changes) {
 *   try { batch.apply(change.ops) } catch { continue } // that change left no trace
 * }
 * const next = batch.finish()
 * ```
 */
export function createPatchBatch<S>(state: S): PatchBatch<S> {
  return new Batch(state)
}
