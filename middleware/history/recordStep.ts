import { applyOps } from '../../src/applyOps'
import type { PatchOp, Path } from '../../src/types'
import { covers, readAt, restorePath } from './paths'
import type { StepEntry } from './types'

/** The distinct restore paths of a change's ops, none below another. */
export function changedPaths(from: unknown, to: unknown, ops: readonly PatchOp[]): Path[] {
  const paths: Path[] = []
  for (const op of ops) {
    const path = restorePath(from, to, op.path)
    if (path.length === 0) continue
    if (paths.some((p) => covers(p, path))) continue
    for (let i = paths.length - 1; i >= 0; i--) if (covers(path, paths[i]!)) paths.splice(i, 1)
    paths.push(path)
  }
  return paths
}

// The value `path` held before the step: its value before this change, with
// the step's earlier entries below it laid back in.
function beforeStep(from: unknown, path: Path, below: readonly StepEntry[]): StepEntry['before'] {
  let value = readAt(from, path).value
  for (const e of below) {
    const rel = ['v', ...e.path.slice(path.length)]
    const exists = readAt({ v: value }, rel).has
    const op: PatchOp = e.had
      ? { op: exists ? 'replace' : 'add', path: rel, value: e.before }
      : { op: 'remove', path: rel }
    if (!e.had && !exists) continue
    try {
      value = applyOps({ v: value }, [op]).v
    } catch {
      // The structure above it is gone from this state: the outer value is the best known.
    }
  }
  return value
}

/**
 * Adds one own change (`from` → `to`, its `ops`) to a step's entries: a path
 * the step already restores keeps the value it had before the step; a new
 * path above earlier entries absorbs them.
 */
export function addToStep(
  entries: readonly StepEntry[],
  from: unknown,
  to: unknown,
  ops: readonly PatchOp[],
  tick: number,
): StepEntry[] {
  let out = [...entries]
  for (const path of changedPaths(from, to, ops)) {
    const above = out.find((e) => covers(e.path, path))
    if (above) {
      above.tick = tick
      continue
    }
    const below = out.filter((e) => covers(path, e.path))
    const had = readAt(from, path).has
    const entry: StepEntry = { path, had, tick }
    if (had)
      entry.before = below.length > 0 ? beforeStep(from, path, below) : readAt(from, path).value
    if (below.length > 0) out = out.filter((e) => !below.includes(e))
    out.push(entry)
  }
  return out
}
