import type { Container } from './checkValue'
import { describeValue, PatchwireError } from './errors'
import type { PathSegment } from './types'

// The steps a patch batch takes through a state: an array index read from a segment,
// the error for a path through a non-container, and the copy of a container.

// `depth` is where `seg` sits in `path`; the prefix up to it, which an error names, is
// only built when there is an error.
export function arrayIndex(
  arr: unknown[],
  seg: PathSegment,
  path: PathSegment[],
  depth: number,
  forInsert: boolean,
): number {
  if (seg === '-' && forInsert) return arr.length
  const index =
    typeof seg === 'number' ? seg : /^(0|[1-9]\d*)$/.test(seg) ? Number(seg) : Number.NaN
  if (Number.isNaN(index)) {
    const at = path.slice(0, depth + 1)
    throw new PatchwireError(
      'invalid_path',
      `"${String(seg)}" is not an array index at ${JSON.stringify(at)}.`,
      { path: at, reason: 'non-numeric index into an array' },
    )
  }
  const max = forInsert ? arr.length : arr.length - 1
  if (index > max) {
    const at = path.slice(0, depth + 1)
    throw new PatchwireError(
      'index_out_of_range',
      `Index ${index} is out of range at ${JSON.stringify(at)} (array length ${arr.length}).`,
      { path: at, index, length: arr.length },
    )
  }
  return index
}

export function notAContainer(path: PathSegment[], found: unknown): PatchwireError {
  return new PatchwireError(
    'not_a_container',
    `Cannot walk through ${describeValue(found)} at ${JSON.stringify(path)}.`,
    { path, found: describeValue(found) },
  )
}

// Copies in the two ways V8 does fastest: a frozen array's slice() takes the slow path
// (tens of times slower than a spread), and a spread of a large or frozen object is slower
// than setting its own keys one by one into a fresh object.
export function copyContainer(node: Container): Container {
  if (Array.isArray(node)) return [...node]
  const copy: Record<string, unknown> = {}
  const keys = Object.keys(node)
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!
    copy[key] = node[key]
  }
  return copy
}
