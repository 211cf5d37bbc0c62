import { describeValue, PatchwireError } from './errors'
import { FORBIDDEN_SEGMENTS, toPath } from './pointer'
import type { PatchOp, PathSegment } from './types'

type Container = Record<string, unknown> | unknown[]

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function isContainer(value: unknown): value is Container {
  return Array.isArray(value) || isPlainObject(value)
}

/**
 * Checks that a value is plain JSON data (no functions, class instances, cycles,
 * non-finite numbers or forbidden keys) and freezes it, like RTK freezes state.
 * A frozen container is taken as already checked: it came out of a store's state.
 */
export function checkValue(
  value: unknown,
  path: PathSegment[],
  seen: Set<object> = new Set(),
): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return
    case 'number':
      if (Number.isFinite(value)) return
      break
    case 'object': {
      if (value === null) return
      if (!isContainer(value)) break
      if (Object.isFrozen(value)) return
      if (seen.has(value)) {
        throw new PatchwireError(
          'invalid_value',
          `The value at ${JSON.stringify(path)} contains a cycle.`,
          {
            path,
            found: 'a cycle',
          },
        )
      }
      seen.add(value)
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) checkValue(value[i], [...path, i], seen)
      } else {
        for (const key of Object.keys(value)) {
          if (FORBIDDEN_SEGMENTS.has(key)) {
            throw new PatchwireError(
              'forbidden_path',
              `The key "${key}" is refused inside a value.`,
              {
                path: [...path, key],
                segment: key,
              },
            )
          }
          checkValue(value[key], [...path, key], seen)
        }
      }
      Object.freeze(value)
      return
    }
  }
  throw new PatchwireError(
    'invalid_value',
    `Values must be JSON data; at ${JSON.stringify(path)} received ${describeValue(value)}.`,
    { path, found: describeValue(value) },
  )
}

function own(node: Container, owned: Set<object>): Container {
  if (owned.has(node)) return node
  const copy: Container = Array.isArray(node) ? node.slice() : { ...node }
  owned.add(copy)
  return copy
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
      {
        path,
        reason: 'non-numeric index into an array',
      },
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

function applyOne(root: unknown, raw: PatchOp, owned: Set<object>): unknown {
  if (raw === null || typeof raw !== 'object') {
    throw new PatchwireError(
      'invalid_op',
      `An op must be an object, received ${describeValue(raw)}.`,
      { op: raw },
    )
  }
  const { op } = raw
  if (op !== 'add' && op !== 'replace' && op !== 'remove') {
    throw new PatchwireError(
      'invalid_op',
      `Unknown op ${JSON.stringify(op)}: expected add, replace or remove.`,
      {
        op: raw,
      },
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
  if (path.length === 0) {
    if (op === 'remove') {
      throw new PatchwireError('invalid_path', 'The root of the state cannot be removed.', {
        path,
        reason: 'remove at the root',
      })
    }
    return raw.value
  }
  if (!isContainer(root)) throw notAContainer([], root)
  const newRoot = own(root, owned)
  let node: Container = newRoot
  const last = path.length - 1
  for (let i = 0; i < last; i++) {
    const seg = path[i]!
    const at = path.slice(0, i + 1)
    let child: unknown
    let key: string | number
    if (Array.isArray(node)) {
      key = arrayIndex(node, seg, at, false)
      child = node[key]
    } else {
      key = String(seg)
      if (!Object.hasOwn(node, key)) {
        throw new PatchwireError('missing_path', `Nothing exists at ${JSON.stringify(at)}.`, {
          path: at,
        })
      }
      child = node[key]
    }
    if (!isContainer(child)) throw notAContainer(at, child)
    const copy = own(child, owned)
    ;(node as Record<string | number, unknown>)[key] = copy
    node = copy
  }
  const seg = path[last]!
  if (Array.isArray(node)) {
    const index = arrayIndex(node, seg, path, op === 'add')
    if (op === 'add') node.splice(index, 0, raw.value)
    else if (op === 'replace') node[index] = raw.value
    else node.splice(index, 1)
  } else {
    const key = String(seg)
    if (op !== 'add' && !Object.hasOwn(node, key)) {
      throw new PatchwireError(
        'missing_path',
        `Nothing exists at ${JSON.stringify(path)} to ${op}.`,
        { path },
      )
    }
    if (op === 'remove') delete node[key]
    else node[key] = raw.value
  }
  return newRoot
}

/**
 * Applies ops to an immutable state and returns the new state.
 *
 * All or nothing: the input is never mutated, so if any op throws a
 * `PatchwireError` the caller still holds the untouched state. Containers on the
 * changed paths are copied once per call (however many ops touch them) and
 * frozen; every other subtree keeps its identity.
 *
 * @example
 * ```ts
 * const next = applyOps(state, [{ op: 'add', path: ['todos', '-'], value: { title: 'milk' } }])
 * ```
 */
export function applyOps<S>(state: S, ops: readonly PatchOp[]): S {
  if (!Array.isArray(ops)) {
    throw new PatchwireError(
      'invalid_change',
      `ops must be an array, received ${describeValue(ops)}.`,
      {
        reason: 'ops is not an array',
      },
    )
  }
  const owned = new Set<object>()
  let root: unknown = state
  for (const op of ops) root = applyOne(root, op, owned)
  for (const container of owned) Object.freeze(container)
  return root as S
}
