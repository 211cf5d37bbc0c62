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
// Containers known to be plain data: those checkValue walked and froze itself, and the
// roots of values parsed from JSON text that vouchParsedJson looked at. Frozen-ness alone
// proves nothing, since a caller can freeze an object holding a function or a "__proto__" key.
const checked = new WeakSet<object>()

// A JSON text spells a key only literally or through a \u escape. `includes` is a
// vectorised scan in V8, far quicker than one regular expression over the alternatives.
function mayHoldForbiddenKey(text: string): boolean {
  return (
    text.includes('__proto__') ||
    text.includes('constructor') ||
    text.includes('prototype') ||
    text.includes('\\u')
  )
}

function holdsForbiddenKey(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (holdsForbiddenKey(value[i])) return true
    return false
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_SEGMENTS.has(key)) return true
    if (holdsForbiddenKey((value as Record<string, unknown>)[key])) return true
  }
  return false
}

/**
 * Vouches for `value`, which `JSON.parse` just returned for `text`, so the sink's
 * checkValue does not walk it: JSON.parse can only produce plain objects, arrays, strings,
 * finite numbers, booleans and null, without cycles, so a forbidden key is all it may hold.
 * When the text cannot spell one (none of the words, no `\u` escape), nothing is walked;
 * otherwise the keys are looked at. A value holding a forbidden key is not vouched for,
 * and the sink refuses it as before. Vouched values are not frozen: nothing in patchwire
 * writes into state it did not copy. Returns whether it vouched.
 *
 * Only for the untouched output of `JSON.parse`: a value a caller (a migration, a custom
 * deserializer) could have changed since must go through checkValue.
 */
export function vouchParsedJson(text: string, value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false
  if (mayHoldForbiddenKey(text) && holdsForbiddenKey(value)) return false
  checked.add(value)
  return true
}

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
  // A vouched or already checked value: no stack, no ancestor set, no walk.
  if (checked.has(value as object)) return
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
