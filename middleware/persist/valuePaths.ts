/** Reading and writing inside plain JSON values by object-key paths, copying only along the path. */

function isContainer(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object'
}

function copy(value: Record<string, unknown>): Record<string, unknown> {
  return (Array.isArray(value) ? [...value] : { ...value }) as Record<string, unknown>
}

/** The value at `path`, and whether it exists (own keys only). */
export function getIn(
  value: unknown,
  path: readonly string[],
): { found: boolean; value?: unknown } {
  let cur = value
  for (const seg of path) {
    if (!isContainer(cur) || !Object.hasOwn(cur, seg)) return { found: false }
    cur = cur[seg]
  }
  return { found: true, value: cur }
}

// Copies only along the path, so untouched subtrees are shared, never deep-cloned.
/** `root` with `value` at `path`, creating objects on the way. */
export function setIn(root: unknown, path: readonly string[], value: unknown): unknown {
  if (path.length === 0) return value
  const [head, ...rest] = path as [string, ...string[]]
  const base = isContainer(root) ? copy(root) : {}
  base[head] = setIn(base[head], rest, value)
  return base
}

/** `root` without `path` (unchanged when it is absent). */
export function deleteIn(root: unknown, path: readonly string[]): unknown {
  const [head, ...rest] = path as [string, ...string[]]
  if (!isContainer(root) || !Object.hasOwn(root, head)) return root
  const base = copy(root)
  if (rest.length === 0) delete base[head]
  else base[head] = deleteIn(base[head], rest)
  return base
}
