import { type Container, checkValue, isContainer } from './checkValue'
import { describeValue, PatchwireError } from './errors'
import { toPath } from './pointer'
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
  /** Applies the ops of one change; when one fails, rolls the change back and rethrows. */
  apply(ops: readonly PatchOp[]): void
  /** Rolls back the last applied change, e.g. when the schema refuses its result. */
  undoLast(): void
  /** Freezes what the batch copied and returns the final state; the batch is done. */
  finish(): S
}

function arrayIndex(
  arr: unknown[],
  seg: PathSegment,
  path: PathSegment[],
  forInsert: boolean,
): number {
  if (seg === '-' && forInsert) return arr.length
  const index =
    typeof seg === 'number' ? seg : /^(0|[1-9]\d*)$/.test(seg) ? Number(seg) : Number.NaN
  if (Number.isNaN(index)) {
    throw new PatchwireError(
      'invalid_path',
      `"${String(seg)}" is not an array index at ${JSON.stringify(path)}.`,
      { path, reason: 'non-numeric index into an array' },
    )
  }
  const max = forInsert ? arr.length : arr.length - 1
  if (index > max) {
    throw new PatchwireError(
      'index_out_of_range',
      `Index ${index} is out of range at ${JSON.stringify(path)} (array length ${arr.length}).`,
      { path, index, length: arr.length },
    )
  }
  return index
}

function notAContainer(path: PathSegment[], found: unknown): PatchwireError {
  return new PatchwireError(
    'not_a_container',
    `Cannot walk through ${describeValue(found)} at ${JSON.stringify(path)}.`,
    { path, found: describeValue(found) },
  )
}

function checkOp(raw: PatchOp): PathSegment[] {
  if (raw === null || typeof raw !== 'object') {
    throw new PatchwireError(
      'invalid_op',
      `An op must be an object, received ${describeValue(raw)}.`,
      {
        op: raw,
      },
    )
  }
  const { op } = raw
  if (op !== 'add' && op !== 'replace' && op !== 'remove') {
    throw new PatchwireError(
      'invalid_op',
      `Unknown op ${JSON.stringify(op)}: expected add, replace or remove.`,
      { op: raw },
    )
  }
  const path = toPath(raw.path)
  if (op !== 'remove') {
    if (!('value' in raw) || raw.value === undefined) {
      throw new PatchwireError(
        'invalid_value',
        `The ${op} op at ${JSON.stringify(path)} has no value.`,
        {
          path,
          found: 'undefined',
        },
      )
    }
    checkValue(raw.value, path)
  }
  if (path.length === 0 && op === 'remove') {
    throw new PatchwireError('invalid_path', 'The root of the state cannot be removed.', {
      path,
      reason: 'remove at the root',
    })
  }
  return path
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
  const owned = new Set<Container>()
  let root: unknown = state
  // The change in progress or last applied: what it copied, how to undo its writes.
  let rootBefore: unknown = state
  let fresh = new Set<Container>()
  let journal: (() => void)[] = []

  const own = (node: Container): Container => {
    if (owned.has(node)) return node
    const copy: Container = Array.isArray(node) ? node.slice() : { ...node }
    owned.add(copy)
    fresh.add(copy)
    return copy
  }

  // Writes into a container copied by an earlier change are journaled; writes into
  // one copied by this change need no undo, since rollback drops the copy itself.
  const setKey = (node: Record<string, unknown>, key: string, value: unknown): void => {
    if (!fresh.has(node)) {
      const had = Object.hasOwn(node, key)
      const old = node[key]
      journal.push(() => {
        if (had) node[key] = old
        else delete node[key]
      })
    }
    node[key] = value
  }

  const deleteKey = (node: Record<string, unknown>, key: string): void => {
    if (!fresh.has(node)) {
      const order = Object.keys(node)
      const old = node[key]
      journal.push(() => {
        node[key] = old
        if (order.at(-1) === key) return
        // Put the key back in its place: rebuild the object in its former key order.
        const entries = order.map((k) => [k, node[k]] as const)
        for (const k of order) delete node[k]
        for (const [k, v] of entries) node[k] = v
      })
    }
    delete node[key]
  }

  const spliceArray = (node: unknown[], index: number, remove: number, ...insert: unknown[]) => {
    if (!fresh.has(node)) {
      const removed = node.slice(index, index + remove)
      journal.push(() => node.splice(index, insert.length, ...removed))
    }
    node.splice(index, remove, ...insert)
  }

  const setIndex = (node: unknown[], index: number, value: unknown): void => {
    if (!fresh.has(node)) {
      const old = node[index]
      journal.push(() => {
        node[index] = old
      })
    }
    node[index] = value
  }

  const applyOne = (raw: PatchOp): void => {
    const path = checkOp(raw)
    if (path.length === 0) {
      root = raw.value
      return
    }
    if (!isContainer(root)) throw notAContainer([], root)
    root = own(root)
    let node = root as Container
    const last = path.length - 1
    for (let i = 0; i < last; i++) {
      const seg = path[i]!
      const at = path.slice(0, i + 1)
      let child: unknown
      if (Array.isArray(node)) {
        const index = arrayIndex(node, seg, at, false)
        child = node[index]
        if (!isContainer(child)) throw notAContainer(at, child)
        const copy = own(child)
        if (copy !== child) setIndex(node, index, copy)
        node = copy
      } else {
        const key = String(seg)
        if (!Object.hasOwn(node, key)) {
          throw new PatchwireError('missing_path', `Nothing exists at ${JSON.stringify(at)}.`, {
            path: at,
          })
        }
        child = node[key]
        if (!isContainer(child)) throw notAContainer(at, child)
        const copy = own(child)
        if (copy !== child) setKey(node, key, copy)
        node = copy
      }
    }
    const seg = path[last]!
    if (Array.isArray(node)) {
      const index = arrayIndex(node, seg, path, raw.op === 'add')
      if (raw.op === 'add') spliceArray(node, index, 0, raw.value)
      else if (raw.op === 'replace') setIndex(node, index, raw.value)
      else spliceArray(node, index, 1)
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
    if (raw.op === 'remove') deleteKey(node, key)
    else setKey(node, key, raw.value)
  }

  const rollback = (): void => {
    for (let i = journal.length - 1; i >= 0; i--) journal[i]!()
    for (const copy of fresh) owned.delete(copy)
    root = rootBefore
    journal = []
    fresh = new Set()
  }

  return {
    get current() {
      return root as S
    },
    apply(ops) {
      if (!Array.isArray(ops)) {
        throw new PatchwireError(
          'invalid_change',
          `ops must be an array, received ${describeValue(ops)}.`,
          {
            reason: 'ops is not an array',
          },
        )
      }
      rootBefore = root
      fresh = new Set()
      journal = []
      try {
        for (const op of ops) applyOne(op)
      } catch (err) {
        rollback()
        throw err
      }
    },
    undoLast: rollback,
    finish() {
      for (const container of owned) Object.freeze(container)
      owned.clear()
      return root as S
    },
  }
}
