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
 * A container this function already checked (and froze) is not walked again;
 * one frozen elsewhere is still walked, as it may hold anything.
 *
 * Restores and stream chunks pass whole documents through here, so the walk keeps
 * one path stack (copied only into an error) and remembers only the containers on
 * the current branch: a cycle can only lead back to one of them.
 */
// Containers checkValue walked and froze itself: frozen-ness alone proves nothing,
// since a caller can freeze an object holding a function or a "__proto__" key.
const checked = new WeakSet<object>()

export function checkValue(value: unknown, path: readonly PathSegment[] = []): void {
  // Most ops write a scalar: no walk, no stack, no ancestor set.
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return
    case 'number':
      if (Number.isFinite(value)) return
  }
  if (value === null) return
  const stack: PathSegment[] = [...path]
  const ancestors = new Set<object>()
  const fail = (code: 'invalid_value', found: string): never => {
    const at = stack.slice()
    throw new PatchwireError(
      code,
      found === 'a cycle'
        ? `The value at ${JSON.stringify(at)} contains a cycle.`
        : `Values must be JSON data; at ${JSON.stringify(at)} received ${found}.`,
      { path: at, found },
    )
  }
  const walk = (v: unknown): void => {
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return
      case 'number':
        if (Number.isFinite(v)) return
        break
      case 'object': {
        if (v === null) return
        if (!isContainer(v)) break
        if (checked.has(v)) return
        if (ancestors.has(v)) fail('invalid_value', 'a cycle')
        ancestors.add(v)
        if (Array.isArray(v)) {
          for (let i = 0; i < v.length; i++) {
            stack.push(i)
            walk(v[i])
            stack.pop()
          }
        } else {
          for (const key of Object.keys(v)) {
            stack.push(key)
            if (FORBIDDEN_SEGMENTS.has(key)) {
              throw new PatchwireError(
                'forbidden_path',
                `The key "${key}" is refused inside a value.`,
                {
                  path: stack.slice(),
                  segment: key,
                },
              )
            }
            walk(v[key])
            stack.pop()
          }
        }
        ancestors.delete(v)
        Object.freeze(v)
        checked.add(v)
        return
      }
    }
    fail('invalid_value', describeValue(v))
  }
  walk(value)
}
