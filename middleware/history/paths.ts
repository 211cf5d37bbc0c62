import type { Path, PathSegment } from '../../src/types'

/** What a path holds in a state: whether it exists, and its value. */
export interface Found {
  has: boolean
  value?: unknown
}

const isContainer = (v: unknown): v is Record<string, unknown> | unknown[] =>
  v !== null && typeof v === 'object'

/** Reads `path` in plain objects and arrays. */
export function readAt(root: unknown, path: Path): Found {
  let at = root
  for (const segment of path) {
    if (!isContainer(at) || !Object.hasOwn(at, segment)) return { has: false }
    at = (at as Record<string, unknown>)[segment as string]
  }
  return { has: true, value: at }
}

/**
 * The path an undo restores for an op at `path`: the op's path, cut at the
 * first array on it in either state. An array is restored as a whole, since
 * indexes move under concurrent inserts; a peer that touched the array since
 * makes the step skip it rather than revert the peer's items.
 */
export function restorePath(from: unknown, to: unknown, path: Path): PathSegment[] {
  let a: unknown = from
  let b: unknown = to
  for (let i = 0; i < path.length; i++) {
    if (Array.isArray(a) || Array.isArray(b)) return path.slice(0, i)
    const key = path[i] as string
    a = isContainer(a) ? (a as Record<string, unknown>)[key] : undefined
    b = isContainer(b) ? (b as Record<string, unknown>)[key] : undefined
  }
  return [...path]
}

/** True when `a` is `b` or one of its ancestors. */
export function covers(a: Path, b: Path): boolean {
  return a.length <= b.length && a.every((s, i) => String(s) === String(b[i]))
}

/** Turns `keys` (top-level keys or dotted paths) into paths. */
export function keyPaths(keys: readonly string[]): string[][] {
  return keys.map((k) => k.split('.'))
}
