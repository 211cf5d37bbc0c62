import type { PathSegment } from '../../src/types'
import type { PathClock } from '../store/types'

// Children are looked up as own keys only: a path segment such as "valueOf" must
// not reach Object.prototype's function (shared by every room, lost on restart).
function childOf(node: PathClock, key: string): PathClock | undefined {
  return node.c && Object.hasOwn(node.c, key) ? node.c[key] : undefined
}

/** The clock of a room nobody wrote yet. */
export function emptyClock(): PathClock {
  return { m: '' }
}

/**
 * True when a write at `path` stamped `ts` is older than the last write to an
 * overlapping path: an ancestor (or the path itself) written later, or any
 * descendant written later. An append (`'-'` last) only conflicts with its
 * ancestors, so concurrent appends to one array are all kept.
 */
export function isStale(clock: PathClock, path: readonly PathSegment[], ts: string): boolean {
  const append = path.length > 0 && path[path.length - 1] === '-'
  const depth = append ? path.length - 1 : path.length
  let node: PathClock | undefined = clock
  for (let i = 0; i < depth; i++) {
    if (node.t !== undefined && node.t > ts) return true
    node = childOf(node, String(path[i]))
    if (!node) return false
  }
  if (node.t !== undefined && node.t > ts) return true
  return !append && node.m > ts
}

/**
 * Records a write at `path` stamped `ts` (known not stale, so newer than
 * everything below it: the subtree's clocks are dropped). An append records on
 * the array itself as a descendant write, so a later-arriving older write to
 * the whole array is stale while other appends are not. With `undo`, pushes
 * the steps that restore the clock, to run in reverse order.
 */
export function recordWrite(
  clock: PathClock,
  path: readonly PathSegment[],
  ts: string,
  undo?: (() => void)[],
): void {
  const append = path.length > 0 && path[path.length - 1] === '-'
  const depth = append ? path.length - 1 : path.length
  const raise = (node: PathClock): void => {
    if (node.m >= ts) return
    if (undo) {
      const m = node.m
      undo.push(() => {
        node.m = m
      })
    }
    node.m = ts
  }
  let node = clock
  raise(node)
  for (let i = 0; i < depth; i++) {
    const key = String(path[i])
    const parent = node
    if (!parent.c) {
      parent.c = {}
      undo?.push(() => {
        delete parent.c
      })
    }
    let child = childOf(parent, key)
    if (!child) {
      child = { m: ts }
      parent.c[key] = child
      undo?.push(() => {
        if (parent.c) delete parent.c[key]
      })
    } else raise(child)
    node = child
  }
  if (append) return
  if (undo) {
    const { t, m, c } = node
    const target = node
    undo.push(() => {
      if (t === undefined) delete target.t
      else target.t = t
      target.m = m
      if (c === undefined) delete target.c
      else target.c = c
    })
  }
  node.t = ts
  node.m = ts
  delete node.c
}

/** A deep copy, so a snapshot handed to the store cannot change under it. */
export function cloneClock(clock: PathClock): PathClock {
  return structuredClone(clock)
}
