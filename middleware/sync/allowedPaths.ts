import { diffState } from '../../src/diff'
import { PatchwireError } from '../../src/errors'
import { FORBIDDEN_SEGMENTS } from '../../src/pointer'
import type { PatchOp } from '../../src/types'

/** A synced path, as object keys from the state root. */
export type AllowedPath = readonly string[]

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/**
 * Turns `allowKeys` (top-level keys or dotted paths) into paths, dropping any
 * path below another one (syncing `a` already syncs `a.b`).
 */
export function parseAllowKeys(allowKeys: readonly string[], statusKey: string): AllowedPath[] {
  if (!Array.isArray(allowKeys) || allowKeys.length === 0) {
    throw new PatchwireError(
      'option',
      `sync: allowKeys must be a non-empty array of keys or dotted paths, received ${JSON.stringify(allowKeys)}.`,
      { option: 'allowKeys', received: String(allowKeys) },
    )
  }
  const paths = allowKeys.map((key) => {
    const path = typeof key === 'string' ? key.split('.') : []
    if (
      path.length === 0 ||
      path.some((s) => s === '' || FORBIDDEN_SEGMENTS.has(s)) ||
      path[0] === statusKey
    ) {
      throw new PatchwireError(
        'option',
        `sync: allowKeys entry ${JSON.stringify(key)} is not a usable key or dotted path.`,
        { option: 'allowKeys', received: String(key) },
      )
    }
    return path
  })
  const covers = (a: AllowedPath, b: AllowedPath) =>
    a.length <= b.length && a.every((s, i) => s === b[i])
  return paths.filter(
    (p, i) => !paths.some((q, j) => j !== i && covers(q, p) && (q.length < p.length || j < i)),
  )
}

/** The value at `path` inside plain objects, or `undefined`. */
export function getAt(root: unknown, path: AllowedPath): unknown {
  let node = root
  for (const key of path) {
    if (!isPlainObject(node) || !Object.hasOwn(node, key)) return undefined
    node = node[key]
  }
  return node
}

/** True when the path's first segment names a path that `paths` syncs or lies under one. */
export function isSyncedPath(paths: readonly AllowedPath[], path: readonly unknown[]): boolean {
  return paths.some((p) => p.length <= path.length && p.every((s, i) => s === String(path[i])))
}

/**
 * The synced part of a state: a plain object holding only the allowed paths.
 * Leaf subtrees keep their identity, so diffs between projections stay cheap.
 */
export function project(state: unknown, paths: readonly AllowedPath[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const path of paths) {
    const value = getAt(state, path)
    if (value === undefined) continue
    let node = out
    for (let i = 0; i < path.length - 1; i++) {
      const key = path[i]!
      if (!isPlainObject(node[key])) node[key] = {}
      node = node[key] as Record<string, unknown>
    }
    node[path[path.length - 1]!] = value
  }
  return out
}

/**
 * The ops that turn the synced paths of `prev` into those of `next`, by
 * reference comparison. A path missing from `next` is left alone unless
 * `removals` is set: sync never deletes a synced slice it has no value for
 * (a room that has not been seeded yet), only what a client removed itself.
 */
export function diffPaths(
  prev: unknown,
  next: unknown,
  paths: readonly AllowedPath[],
  removals = false,
): PatchOp[] {
  const ops: PatchOp[] = []
  for (const path of paths) {
    const a = getAt(prev, path)
    const b = getAt(next, path)
    if (a === b) continue
    if (b === undefined) {
      if (removals) ops.push({ op: 'remove', path: [...path] })
    } else if (a === undefined) ops.push({ op: 'add', path: [...path], value: b })
    else for (const op of diffState(a, b, [...path])) ops.push(op)
  }
  return ops
}
