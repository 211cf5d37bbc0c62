import fc from 'fast-check'

// Values a hostile or broken client may put anywhere in a message: wrong
// types, extreme numbers, huge and deep values, unicode and JSON-pointer
// escapes, keys that reach Object.prototype, binary attachments.

export const FORBIDDEN_KEYS = ['__proto__', 'constructor', 'prototype'] as const

/** Strings a path or id parser may mishandle. */
export const trickyStrings: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    '-',
    '~',
    '~0',
    '~1',
    '~2',
    '~01',
    '/~0/~1',
    '/a~1b/c~0d',
    '/',
    '//',
    '/-',
    '/-/x',
    '/0',
    '/00',
    '/-1',
    '/1e3',
    '/__proto__',
    '/__proto__/polluted',
    '/a/constructor/prototype',
    '/prototype',
    '~1__proto__',
    '\u0000',
    '\uD800',
    '\uDFFF\uD800',
    '\u202E',
    '💥',
    'a\nb',
    ':',
    'f0:',
    'f0::1',
    'f0:-1',
    'f0:1e3',
    'f0:NaN',
    'tabs',
    'tabs:1',
    'server',
    'server:x',
    ...FORBIDDEN_KEYS,
  ),
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
)

/** Numbers on and past every boundary a check may have. */
export const trickyNumbers: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -0, -1, 1, 0.5, 1e21, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53)),
  fc.constantFrom(Number.MAX_VALUE, Number.MIN_VALUE, Number.NaN, Number.POSITIVE_INFINITY),
  fc.integer(),
  fc.double({ noNaN: true }),
)

/** An object holding `key` as an own property, as JSON.parse makes it (assigning `__proto__` would set the prototype). */
export const withOwnKey = (key: string, value: unknown): Record<string, unknown> =>
  Object.defineProperty({}, key, { value, enumerable: true, writable: true, configurable: true })

/** `inner` wrapped in `depth` arrays or objects. */
export const nest = (depth: number, inner: unknown, asObject: boolean): unknown => {
  let v = inner
  for (let i = 0; i < depth; i++) v = asObject ? { d: v } : [v]
  return v
}

/** A forbidden key at some depth of a JSON value. */
export const forbiddenDeep: fc.Arbitrary<unknown> = fc
  .tuple(fc.constantFrom(...FORBIDDEN_KEYS), fc.integer({ min: 0, max: 6 }), fc.jsonValue())
  .map(([key, depth, value]) => nest(depth, withOwnKey(key, value), depth % 2 === 0))

/** A value too deep for any limit, or just past one. */
export const deepValue: fc.Arbitrary<unknown> = fc
  .tuple(
    fc.oneof(fc.integer({ min: 7, max: 40 }), fc.integer({ min: 40, max: 2000 })),
    fc.boolean(),
  )
  .map(([depth, asObject]) => nest(depth, 1, asObject))

/** Wide, long or heavy values (up to about two megabytes, past the engine's frame cap). */
export const hugeValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1000, max: 100_000 }).map((n) => 'x'.repeat(n)) },
  { weight: 2, arbitrary: fc.integer({ min: 100, max: 20_000 }).map((n) => new Array(n).fill(0)) },
  {
    weight: 2,
    arbitrary: fc
      .integer({ min: 100, max: 5000 })
      .map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(900_000, 1_100_000, 2_300_000).map((n) => 'y'.repeat(n)),
  },
)

/** A binary attachment (Socket.IO sends it as a separate frame). */
export const binaryValue: fc.Arbitrary<unknown> = fc
  .uint8Array({ maxLength: 64 })
  .chain((bytes) =>
    fc.constantFrom<unknown>(Buffer.from(bytes), bytes, { blob: Buffer.from(bytes) }, [
      Buffer.from(bytes),
    ]),
  )

/** Anything at all but huge (see `hugeValue`), weighted towards what breaks parsers. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<unknown>(null, undefined, true, false, [], {}, [[]]) },
  { weight: 3, arbitrary: trickyNumbers },
  { weight: 4, arbitrary: trickyStrings },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: forbiddenDeep },
  { weight: 1, arbitrary: deepValue },
  { weight: 1, arbitrary: binaryValue },
)
