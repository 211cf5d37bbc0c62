import { getIn, setIn } from './valuePaths'

/**
 * What of one top-level key a transport delivers itself (see
 * `StoreHub.addSyncedPaths`): `'all'`, the paths below the key, or none.
 */
export function syncedWithin(
  synced: readonly (readonly string[])[],
  topKey: string,
): 'all' | string[][] {
  const below: string[][] = []
  for (const path of synced) {
    if (path[0] !== topKey) continue
    if (path.length === 1) return 'all'
    below.push(path.slice(1))
  }
  return below
}

/** `value` with `current`'s parts at `paths` kept in place of its own. */
export function keepPaths(value: unknown, current: unknown, paths: readonly string[][]): unknown {
  let out = value
  for (const path of paths) {
    const got = getIn(current, path)
    if (got.found) out = setIn(out, path, got.value)
  }
  return out
}

/** True when `path` is `prefix` or lies below it. */
export function isUnder(path: readonly unknown[], prefix: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((s, i) => s === String(path[i]))
}
