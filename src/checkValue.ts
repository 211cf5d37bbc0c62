import { describeValue, PatchwireError } from './errors'
import { FORBIDDEN_SEGMENTS } from './pointer'
import type { PathSegment } from './types'

export type Container = Record<string, unknown> | unknown[]

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

export function isContainer(value: unknown): value is Container {
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
