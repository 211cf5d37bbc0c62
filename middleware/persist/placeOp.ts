import { FORBIDDEN_SEGMENTS } from '../../src/pointer'
import type { PatchOp, PathSegment } from '../../src/types'

// Early changes are laid over a loaded value before the restore is dispatched, and the
// sink checks that restore (values, forbidden keys, schema) once, as every change. So
// placing an op here needs only the sink's path rules, not its checks: checking and
// freezing each early value here too walked it twice, and cost `import { persist }` the
// whole patch engine. The rules are the sink's: what it would refuse to place, this
// refuses too, and the caller then keeps the early value whole.

/** Thrown when an op cannot be placed; the caller falls back, so no detail is needed. */
const unplaceable = (): never => {
  throw new Error('unplaceable op')
}

type Node = Record<string, unknown> | unknown[]

function isNode(value: unknown): value is Node {
  if (value === null || typeof value !== 'object') return false
  if (Array.isArray(value)) return true
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function indexIn(arr: readonly unknown[], seg: PathSegment, insert: boolean): number {
  if (seg === '-' && insert) return arr.length
  const index =
    typeof seg === 'number' ? seg : /^(0|[1-9]\d*)$/.test(seg) ? Number(seg) : unplaceable()
  return index <= (insert ? arr.length : arr.length - 1) ? index : unplaceable()
}

function placeAt(node: unknown, op: PatchOp, depth: number): unknown {
  if (!isNode(node)) return unplaceable()
  const seg = op.path[depth]!
  if (FORBIDDEN_SEGMENTS.has(String(seg))) return unplaceable()
  const last = depth === op.path.length - 1
  if (Array.isArray(node)) {
    const index = indexIn(node, seg, last && op.op === 'add')
    const copy = [...node]
    if (!last) copy[index] = placeAt(node[index], op, depth + 1)
    else if (op.op === 'add') copy.splice(index, 0, op.value)
    else if (op.op === 'replace') copy[index] = op.value
    else copy.splice(index, 1)
    return copy
  }
  const key = String(seg)
  if ((!last || op.op !== 'add') && !Object.hasOwn(node, key)) return unplaceable()
  const copy = { ...node }
  if (!last) copy[key] = placeAt(node[key], op, depth + 1)
  else if (op.op === 'remove') delete copy[key]
  else copy[key] = op.value
  return copy
}

/**
 * `value` with one op (below the root) written in, copying only along its
 * path. Throws when the sink would refuse to place it: a missing parent or
 * target, an index out of range, a forbidden segment, a path through a scalar,
 * an add or replace without a value.
 */
export function placeOp(value: unknown, op: PatchOp): unknown {
  if (op.op !== 'remove' && op.value === undefined) return unplaceable()
  return placeAt(value, op, 0)
}
