import type { PatchOp, PathSegment } from './types'

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function diffArrays(
  prev: readonly unknown[],
  next: readonly unknown[],
  path: PathSegment[],
  out: PatchOp[],
): void {
  let start = 0
  const min = Math.min(prev.length, next.length)
  while (start < min && prev[start] === next[start]) start++
  let endPrev = prev.length
  let endNext = next.length
  while (endPrev > start && endNext > start && prev[endPrev - 1] === next[endNext - 1]) {
    endPrev--
    endNext--
  }
  const common = Math.min(endPrev - start, endNext - start)
  for (let i = start; i < start + common; i++) diffValue(prev[i], next[i], [...path, i], out)
  // Removals from the highest index down so earlier indexes stay valid.
  for (let i = endPrev - 1; i >= start + common; i--) out.push({ op: 'remove', path: [...path, i] })
  const appendsAtEnd = endNext === next.length && endPrev === prev.length
  for (let i = start + common; i < endNext; i++) {
    // Appends use '-' so concurrent appends from two clients are both kept.
    out.push({ op: 'add', path: [...path, appendsAtEnd ? '-' : i], value: next[i] })
  }
}

// A large object's keys and values as a diff read them, while it was `next`. A store's
// states follow one another, so the next diff often gets that same object as `prev`:
// its values are then read from here, in key order, instead of from the object, whose
// lookups cost most of a large map's diff. Only frozen objects (as Immer leaves them):
// one written in place since would give old values.
interface Read {
  keys: string[]
  values: unknown[]
}
const reads = new WeakMap<object, Read>()
const LARGE = 256

// `member` says `path` ends at a key of an object (not an index, not the root): a changed
// member is then written with `add`, which JSON Patch defines as setting the member
// whether or not it exists. A `replace` would fail, and take its whole change with it,
// where another client removed the member meanwhile, though this write is the newer one.
function diffValue(
  prev: unknown,
  next: unknown,
  path: PathSegment[],
  out: PatchOp[],
  member = false,
): void {
  if (prev === next) return
  if (isPlainObject(prev) && isPlainObject(next)) {
    // One pass over the keys of `next`; those of `prev` are looked at again
    // only when it holds more than the keys both share, i.e. when one was removed.
    const keys = Object.keys(next)
    const at = out.length
    let shared = 0
    const large = keys.length >= LARGE
    const last = large && Object.isFrozen(prev) ? reads.get(prev) : undefined
    const lastKeys = last?.keys
    const lastValues = last?.values
    const values: unknown[] | undefined = large && Object.isFrozen(next) ? [] : undefined
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!
      const before = lastKeys !== undefined && lastKeys[i] === key ? lastValues![i] : prev[key]
      const after = next[key]
      values?.push(after)
      // The common case in a large map, an entry that kept its identity, costs one
      // lookup and builds no path (JSON state holds no functions an inherited key could equal).
      if (before === after && before !== undefined && typeof before !== 'function') {
        shared++
        continue
      }
      if (!Object.hasOwn(prev, key)) out.push({ op: 'add', path: [...path, key], value: after })
      else {
        shared++
        diffValue(before, after, [...path, key], out, true)
      }
    }
    if (values !== undefined) reads.set(next, { keys, values })
    const prevKeys = lastKeys ?? Object.keys(prev)
    if (prevKeys.length === shared) return
    const removals: PatchOp[] = []
    for (const key of prevKeys) {
      if (!Object.hasOwn(next, key)) removals.push({ op: 'remove', path: [...path, key] })
    }
    // Removals go first, as before the adds and changes of this container.
    const rest = out.splice(at)
    for (const op of removals) out.push(op)
    for (const op of rest) out.push(op)
    return
  }
  if (Array.isArray(prev) && Array.isArray(next)) {
    diffArrays(prev, next, path, out)
    return
  }
  if (next === undefined) out.push({ op: 'remove', path })
  else {
    const op = member || (path.length > 0 && prev === undefined) ? 'add' : 'replace'
    out.push({ op, path, value: next })
  }
}

/**
 * The ops that turn `prev` into `next`, found by reference comparison: a
 * subtree that kept its identity is skipped without being read, so the cost
 * follows what changed (immutable state makes that exact). A new or changed
 * member of an object is an `add` (it sets the member whether or not it
 * exists where the ops land), a changed array element a `replace`, the root
 * a `replace`.
 *
 * @example
 * ```ts
 * diffState(before, after, ['cart']) // [{ op: 'add', path: ['cart', 'items', '-'], value: {...} }]
 * ```
 */
export function diffState(prev: unknown, next: unknown, path: PathSegment[] = []): PatchOp[] {
  const out: PatchOp[] = []
  diffValue(prev, next, path, out)
  return out
}
