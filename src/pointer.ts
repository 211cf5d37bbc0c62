import { describeValue, PatchwireError } from './errors'
import type { PathSegment } from './types'

/** Path segments that could reach `Object.prototype`; refused in every position (CVE-2021-4279). */
export const FORBIDDEN_SEGMENTS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
])

/**
 * Parses a JSON Pointer (RFC 6901) such as `/todos/0/title` into path segments.
 * Numeric-looking segments stay strings; the patch engine reads them as indexes on arrays.
 */
export function parsePointer(pointer: string): PathSegment[] {
  if (pointer === '') return []
  if (pointer[0] !== '/') {
    throw new PatchwireError(
      'invalid_path',
      `A JSON Pointer must start with "/", received "${pointer}".`,
      {
        path: pointer,
        reason: 'pointer without leading slash',
      },
    )
  }
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
}

/** Formats path segments as a JSON Pointer. */
export function formatPointer(path: readonly PathSegment[]): string {
  let out = ''
  for (const s of path) out += `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`
  return out
}

/**
 * Turns a path given as segments or a JSON Pointer into checked segments.
 * Refuses forbidden segments and anything that is not a string or a non-negative integer.
 */
export function toPath(path: unknown): PathSegment[] {
  const segments = typeof path === 'string' ? parsePointer(path) : path
  if (!Array.isArray(segments)) {
    throw new PatchwireError(
      'invalid_path',
      `A path must be an array of segments or a JSON Pointer string, received ${describeValue(path)}.`,
      { path, reason: 'not an array or string' },
    )
  }
  for (const s of segments) {
    if (typeof s === 'string') {
      if (FORBIDDEN_SEGMENTS.has(s)) {
        throw new PatchwireError(
          'forbidden_path',
          `The path segment "${s}" is refused: it could reach Object.prototype.`,
          {
            path: segments as PathSegment[],
            segment: s,
          },
        )
      }
    } else if (typeof s !== 'number' || !Number.isInteger(s) || s < 0) {
      throw new PatchwireError(
        'invalid_path',
        `A path segment must be a string or a non-negative integer, received ${describeValue(s)}.`,
        { path, reason: 'bad segment' },
      )
    }
  }
  return segments as PathSegment[]
}

/** True when one path is a prefix of the other (ancestor, same path or descendant). */
export function pathsOverlap(a: readonly PathSegment[], b: readonly PathSegment[]): boolean {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (String(a[i]) !== String(b[i])) return false
  return true
}
