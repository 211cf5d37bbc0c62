import { describe, expect, it } from 'vitest'
import { applyOps } from '../../src/applyOps'
import { PatchwireError, type PatchwireErrorCode } from '../../src/errors'
import { formatPointer, parsePointer, toPath } from '../../src/pointer'
import type { PatchOp } from '../../src/types'

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}

function base() {
  return deepFreeze({
    users: { u1: { name: 'Ada', tags: ['a', 'b'] }, u2: { name: 'Bob', tags: [] as string[] } },
    list: [1, 2, 3],
    meta: { version: 1 },
  })
}

function codeOf(fn: () => unknown): PatchwireErrorCode | 'no error' {
  try {
    fn()
  } catch (err) {
    if (err instanceof PatchwireError) return err.code
    throw err
  }
  return 'no error'
}

const ops = (...list: PatchOp[]): PatchOp[] => list

describe('applyOps on objects', () => {
  it('add creates a new key', () => {
    const next = applyOps(base(), ops({ op: 'add', path: ['meta', 'owner'], value: 'u1' }))
    expect(next.meta).toEqual({ version: 1, owner: 'u1' })
  })

  it('add on an existing key overwrites it', () => {
    const next = applyOps(base(), ops({ op: 'add', path: ['meta', 'version'], value: 2 }))
    expect(next.meta.version).toBe(2)
  })

  it('replace sets an existing key', () => {
    const next = applyOps(
      base(),
      ops({ op: 'replace', path: ['users', 'u1', 'name'], value: 'Ida' }),
    )
    expect(next.users.u1.name).toBe('Ida')
  })

  it('remove deletes an existing key', () => {
    const next = applyOps(base(), ops({ op: 'remove', path: ['users', 'u2'] }))
    expect(Object.keys(next.users)).toEqual(['u1'])
  })

  it('replace at the root path returns the new value', () => {
    expect(applyOps(base(), ops({ op: 'replace', path: [], value: { x: 1 } }))).toEqual({ x: 1 })
  })
})

describe('applyOps on arrays', () => {
  it('add at an index inserts before it', () => {
    const next = applyOps(base(), ops({ op: 'add', path: ['list', 1], value: 9 }))
    expect(next.list).toEqual([1, 9, 2, 3])
  })

  it('add at the length appends', () => {
    const next = applyOps(base(), ops({ op: 'add', path: ['list', 3], value: 4 }))
    expect(next.list).toEqual([1, 2, 3, 4])
  })

  it("add with '-' appends", () => {
    const next = applyOps(base(), ops({ op: 'add', path: ['list', '-'], value: 4 }))
    expect(next.list).toEqual([1, 2, 3, 4])
  })

  it('replace sets an element', () => {
    const next = applyOps(base(), ops({ op: 'replace', path: ['list', 0], value: 0 }))
    expect(next.list).toEqual([0, 2, 3])
  })

  it('remove deletes an element and shifts the rest', () => {
    const next = applyOps(base(), ops({ op: 'remove', path: ['list', 0] }))
    expect(next.list).toEqual([2, 3])
  })

  it('numeric strings index arrays like numbers', () => {
    const next = applyOps(
      base(),
      ops({ op: 'replace', path: ['users', 'u1', 'tags', '1'], value: 'z' }),
    )
    expect(next.users.u1.tags).toEqual(['a', 'z'])
  })

  it('several ops on the same array apply in order', () => {
    const next = applyOps(
      base(),
      ops(
        { op: 'add', path: ['list', '-'], value: 4 },
        { op: 'remove', path: ['list', 0] },
        { op: 'replace', path: ['list', 0], value: 20 },
      ),
    )
    expect(next.list).toEqual([20, 3, 4])
  })
})

describe('JSON Pointer paths', () => {
  it('parses a pointer into segments', () => {
    expect(parsePointer('/users/u1/tags/0')).toEqual(['users', 'u1', 'tags', '0'])
  })

  it('decodes ~1 as "/" and ~0 as "~"', () => {
    expect(parsePointer('/a~1b/c~0d')).toEqual(['a/b', 'c~d'])
  })

  it('decodes ~01 as the literal "~1"', () => {
    expect(parsePointer('/~01')).toEqual(['~1'])
  })

  it('formats segments back into the same pointer', () => {
    expect(formatPointer(['a/b', 'c~d', 0])).toBe('/a~1b/c~0d/0')
  })

  it('the empty pointer is the root', () => {
    expect(parsePointer('')).toEqual([])
  })

  it('a pointer without a leading slash is an invalid_path', () => {
    expect(codeOf(() => parsePointer('users/u1'))).toBe('invalid_path')
  })

  it('applyOps accepts pointer strings with escaped keys', () => {
    const state = deepFreeze({ 'a/b': { 'c~d': 1 } })
    const op = { op: 'replace', path: '/a~1b/c~0d', value: 2 } as unknown as PatchOp
    expect(applyOps(state, [op])).toEqual({ 'a/b': { 'c~d': 2 } })
  })
})

describe('applyOps guarantees', () => {
  it('never mutates a deep-frozen input', () => {
    const state = base()
    const copy = structuredClone(state)
    applyOps(
      state,
      ops(
        { op: 'add', path: ['users', 'u3'], value: { name: 'Cy', tags: [] } },
        { op: 'remove', path: ['list', 1] },
        { op: 'replace', path: ['meta', 'version'], value: 2 },
      ),
    )
    expect(state).toEqual(copy)
  })

  it('keeps the identity of untouched subtrees', () => {
    const state = base()
    const next = applyOps(
      state,
      ops({ op: 'replace', path: ['users', 'u1', 'name'], value: 'Ida' }),
    )
    expect(next.users.u2).toBe(state.users.u2)
    expect(next.users.u1.tags).toBe(state.users.u1.tags)
    expect(next.list).toBe(state.list)
    expect(next.meta).toBe(state.meta)
  })

  it('gives changed containers a new identity', () => {
    const state = base()
    const next = applyOps(
      state,
      ops({ op: 'replace', path: ['users', 'u1', 'name'], value: 'Ida' }),
    )
    expect(next).not.toBe(state)
    expect(next.users).not.toBe(state.users)
    expect(next.users.u1).not.toBe(state.users.u1)
  })

  it('freezes the result, including new values', () => {
    const next = applyOps(
      base(),
      ops({ op: 'add', path: ['users', 'u3'], value: { name: 'Cy', tags: ['x'] } }),
    )
    expect(Object.isFrozen(next)).toBe(true)
    expect(Object.isFrozen(next.users)).toBe(true)
    expect(Object.isFrozen((next.users as Record<string, { tags: string[] }>).u3)).toBe(true)
    expect(Object.isFrozen((next.users as Record<string, { tags: string[] }>).u3?.tags)).toBe(true)
  })

  it('is atomic: when the second op fails, the input is untouched and nothing is returned', () => {
    const state = base()
    const copy = structuredClone(state)
    const code = codeOf(() =>
      applyOps(
        state,
        ops(
          { op: 'replace', path: ['meta', 'version'], value: 2 },
          { op: 'remove', path: ['meta', 'missing'] },
        ),
      ),
    )
    expect(code).toBe('missing_path')
    expect(state).toEqual(copy)
  })

  it('an empty op list returns the same state object', () => {
    const state = base()
    expect(applyOps(state, [])).toBe(state)
  })
})

describe('applyOps refuses bad input with a code', () => {
  const refused = (op: unknown) => codeOf(() => applyOps(base(), [op as PatchOp]))

  for (const segment of ['__proto__', 'constructor', 'prototype']) {
    it(`refuses "${segment}" as the first segment`, () => {
      expect(refused({ op: 'add', path: [segment, 'x'], value: 1 })).toBe('forbidden_path')
    })

    it(`refuses "${segment}" as a middle segment`, () => {
      expect(refused({ op: 'add', path: ['users', segment, 'x'], value: 1 })).toBe('forbidden_path')
    })

    it(`refuses "${segment}" as the last segment`, () => {
      expect(refused({ op: 'add', path: ['users', segment], value: 1 })).toBe('forbidden_path')
    })

    it(`refuses "${segment}" in a JSON Pointer`, () => {
      expect(refused({ op: 'remove', path: `/users/${segment}` })).toBe('forbidden_path')
    })

    it(`refuses "${segment}" as a key inside a value`, () => {
      const value = JSON.parse(`{"ok": {"${segment}": {"polluted": true}}}`)
      expect(refused({ op: 'add', path: ['meta', 'x'], value })).toBe('forbidden_path')
    })
  }

  it('a forbidden key inside a value never reaches Object.prototype', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}}')
    refused({ op: 'add', path: ['meta', 'x'], value })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('refuses a path that is a number', () => {
    expect(refused({ op: 'add', path: 3, value: 1 })).toBe('invalid_path')
  })

  it('refuses a path that is an object', () => {
    expect(refused({ op: 'add', path: { 0: 'meta' }, value: 1 })).toBe('invalid_path')
  })

  it('refuses a missing path', () => {
    expect(refused({ op: 'add', value: 1 })).toBe('invalid_path')
  })

  it('refuses a non-integer numeric segment', () => {
    expect(refused({ op: 'replace', path: ['list', 1.5], value: 1 })).toBe('invalid_path')
  })

  it('refuses a negative numeric segment', () => {
    expect(refused({ op: 'replace', path: ['list', -1], value: 1 })).toBe('invalid_path')
  })

  it('refuses a segment that is neither string nor number', () => {
    expect(refused({ op: 'replace', path: ['list', true], value: 1 })).toBe('invalid_path')
  })

  it('refuses a non-numeric string index into an array', () => {
    expect(refused({ op: 'replace', path: ['list', 'first'], value: 1 })).toBe('invalid_path')
  })

  it('refuses an index with a leading zero', () => {
    expect(refused({ op: 'replace', path: ['list', '01'], value: 1 })).toBe('invalid_path')
  })

  it("refuses '-' for replace", () => {
    expect(refused({ op: 'replace', path: ['list', '-'], value: 1 })).toBe('invalid_path')
  })

  it('refuses an unknown op', () => {
    expect(refused({ op: 'move', path: ['meta'], from: ['list'] })).toBe('invalid_op')
  })

  it('refuses an op that is not an object', () => {
    expect(refused('add')).toBe('invalid_op')
  })

  it('refuses remove of a missing key', () => {
    expect(refused({ op: 'remove', path: ['users', 'nobody'] })).toBe('missing_path')
  })

  it('refuses replace of a missing key', () => {
    expect(refused({ op: 'replace', path: ['users', 'nobody'], value: 1 })).toBe('missing_path')
  })

  it('refuses a path through a missing key', () => {
    expect(refused({ op: 'add', path: ['nothing', 'x'], value: 1 })).toBe('missing_path')
  })

  it('refuses replace past the end of an array', () => {
    expect(refused({ op: 'replace', path: ['list', 3], value: 1 })).toBe('index_out_of_range')
  })

  it('refuses remove past the end of an array', () => {
    expect(refused({ op: 'remove', path: ['list', 3] })).toBe('index_out_of_range')
  })

  it('refuses add beyond the length of an array', () => {
    expect(refused({ op: 'add', path: ['list', 4], value: 1 })).toBe('index_out_of_range')
  })

  it('refuses a path through an array index out of range', () => {
    expect(refused({ op: 'add', path: ['list', 7, 'x'], value: 1 })).toBe('index_out_of_range')
  })

  it('refuses a path through a primitive', () => {
    expect(refused({ op: 'add', path: ['meta', 'version', 'x'], value: 1 })).toBe('not_a_container')
  })

  it('refuses removing the root', () => {
    expect(refused({ op: 'remove', path: [] })).toBe('invalid_path')
  })

  it('refuses add without a value', () => {
    expect(refused({ op: 'add', path: ['meta', 'x'] })).toBe('invalid_value')
  })

  it('refuses a function value', () => {
    expect(refused({ op: 'add', path: ['meta', 'x'], value: () => 1 })).toBe('invalid_value')
  })

  it('refuses a class instance value', () => {
    class Point {
      x = 1
    }
    expect(refused({ op: 'add', path: ['meta', 'x'], value: new Point() })).toBe('invalid_value')
  })

  it('refuses a Map value', () => {
    expect(refused({ op: 'add', path: ['meta', 'x'], value: new Map([['a', 1]]) })).toBe(
      'invalid_value',
    )
  })

  it('refuses a Date value', () => {
    expect(refused({ op: 'add', path: ['meta', 'x'], value: new Date(0) })).toBe('invalid_value')
  })

  it('refuses NaN', () => {
    expect(refused({ op: 'add', path: ['meta', 'x'], value: Number.NaN })).toBe('invalid_value')
  })

  it('refuses Infinity nested in an array', () => {
    expect(refused({ op: 'add', path: ['meta', 'x'], value: [1, Number.POSITIVE_INFINITY] })).toBe(
      'invalid_value',
    )
  })

  it('refuses a cyclic value', () => {
    const value: Record<string, unknown> = { a: 1 }
    value.self = value
    expect(refused({ op: 'add', path: ['meta', 'x'], value })).toBe('invalid_value')
  })

  it('refuses ops that are not an array', () => {
    expect(codeOf(() => applyOps(base(), 'ops' as unknown as PatchOp[]))).toBe('invalid_change')
  })

  it('toPath keeps valid segments as given', () => {
    expect(toPath(['a', 0, '-'])).toEqual(['a', 0, '-'])
  })
})

describe('values frozen by the caller', () => {
  it('a frozen value with a "__proto__" key is still refused', () => {
    const value = Object.freeze(JSON.parse('{"__proto__":{"polluted":true}}'))
    expect(codeOf(() => applyOps(base(), ops({ op: 'add', path: ['x'], value })))).toBe(
      'forbidden_path',
    )
  })

  it('a frozen value holding a function is still refused', () => {
    const value = Object.freeze({ run: () => 1 })
    expect(codeOf(() => applyOps(base(), ops({ op: 'add', path: ['x'], value })))).toBe(
      'invalid_value',
    )
  })

  it('a frozen plain value is accepted and kept as it is', () => {
    const value = deepFreeze({ a: [1, { b: 'c' }] })
    const next = applyOps(base(), ops({ op: 'add', path: ['x'], value })) as { x?: unknown }
    expect(next.x).toBe(value)
  })
})
