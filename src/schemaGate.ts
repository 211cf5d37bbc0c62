import type { StandardSchemaV1 } from '@standard-schema/spec'
import { toPath } from './pointer'
import type { PatchIssue, PathSegment } from './types'

/** Any Standard Schema validator (zod 4, valibot, arktype…). */
export type AnySchema = StandardSchemaV1<unknown, unknown>

function isSchema(value: unknown): value is AnySchema {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    '~standard' in (value as object)
  )
}

/**
 * The per-key parts of an object schema, when the library exposes them
 * (zod's `shape`, valibot's `entries`); `undefined` when it cannot be split.
 */
export function schemaShape(schema: AnySchema): Record<string, AnySchema> | undefined {
  const s = schema as unknown as {
    shape?: unknown
    entries?: unknown
    _zod?: { def?: { checks?: unknown[] } }
    pipe?: unknown[]
  }
  // An object-level refinement (zod `.refine`/`.superRefine`, a valibot `pipe` of
  // checks) can relate keys to each other: splitting would skip it, so validate whole.
  if ((s._zod?.def?.checks?.length ?? 0) > 0) return undefined
  if (Array.isArray(s.pipe) && s.pipe.length > 1) return undefined
  const shape = s.shape ?? s.entries
  if (shape === null || typeof shape !== 'object') return undefined
  for (const part of Object.values(shape)) if (!isSchema(part)) return undefined
  return shape as Record<string, AnySchema>
}

function toIssues(issues: readonly StandardSchemaV1.Issue[], prefix: PathSegment[]): PatchIssue[] {
  return issues.map((issue) => {
    const path = [
      ...prefix,
      ...(issue.path ?? []).map((p) =>
        typeof p === 'object' && p !== null ? (p.key as PathSegment) : (p as PathSegment),
      ),
    ]
    const code = (issue as { code?: unknown }).code
    return typeof code === 'string'
      ? { message: issue.message, path, code }
      : { message: issue.message, path }
  })
}

/** Validates synchronously; an async validator is reported as an issue rather than awaited. */
export function validateSync(
  schema: AnySchema,
  value: unknown,
  prefix: PathSegment[] = [],
): PatchIssue[] | null {
  const result = schema['~standard'].validate(value)
  if (result instanceof Promise) {
    result.catch(() => {})
    return [
      {
        message:
          'The schema validated asynchronously; patchwire validates inside the reducer and needs a synchronous schema.',
        path: prefix,
        code: 'async_schema',
      },
    ]
  }
  return result.issues ? toIssues(result.issues, prefix) : null
}

/** The schema for the entries of a record keyed by plain strings, when it can be split per entry. */
export function recordValueSchema(schema: AnySchema): AnySchema | undefined {
  const zod = (schema as unknown as { _zod?: { def?: Record<string, unknown> } })._zod?.def
  if (zod?.type === 'record') {
    const key = (zod.keyType as { _zod?: { def?: { type?: unknown; checks?: unknown[] } } })?._zod
      ?.def
    // Only plain string keys: enum or literal keys make the record exhaustive.
    if (key?.type !== 'string' || (key.checks?.length ?? 0) > 0) return undefined
    if (((zod.checks as unknown[] | undefined)?.length ?? 0) > 0) return undefined
    return isSchema(zod.valueType) ? zod.valueType : undefined
  }
  const v = schema as unknown as {
    type?: unknown
    key?: { type?: unknown; pipe?: unknown }
    value?: unknown
    pipe?: unknown
  }
  if (
    v.type === 'record' &&
    v.key?.type === 'string' &&
    v.key.pipe === undefined &&
    v.pipe === undefined
  ) {
    return isSchema(v.value) ? v.value : undefined
  }
  return undefined
}

/** The element schema of an array schema without checks of its own, when it can be split per element. */
export function arrayElementSchema(schema: AnySchema): AnySchema | undefined {
  const zod = (schema as unknown as { _zod?: { def?: Record<string, unknown> } })._zod?.def
  if (zod?.type === 'array') {
    // Array-level checks (length, refinements) can relate elements: those validate whole.
    if (((zod.checks as unknown[] | undefined)?.length ?? 0) > 0) return undefined
    return isSchema(zod.element) ? zod.element : undefined
  }
  const v = schema as unknown as { type?: unknown; item?: unknown; pipe?: unknown }
  if (v.type === 'array' && v.pipe === undefined) return isSchema(v.item) ? v.item : undefined
  return undefined
}

/**
 * The paths a change wrote, as a tree: a node marked `whole` was replaced as a unit;
 * `resized` marks a node that an op added a child to or removed one from.
 */
interface Touched {
  whole: boolean
  resized: boolean
  children: Map<string, Touched>
}

interface TouchingOp {
  op?: unknown
  path: unknown
}

function touchedTree(ops: readonly TouchingOp[]): Touched {
  const root: Touched = { whole: false, resized: false, children: new Map() }
  for (const op of ops) {
    const path = toPath(op.path)
    let node = root
    let parent: Touched | undefined
    // Below a node already written whole there is nothing more to note.
    let reached = true
    for (const seg of path) {
      if (node.whole) {
        reached = false
        break
      }
      let child = node.children.get(String(seg))
      if (!child) {
        child = { whole: false, resized: false, children: new Map() }
        node.children.set(String(seg), child)
      }
      parent = node
      node = child
    }
    if (reached && parent && op.op !== 'replace') parent.resized = true
    node.whole = true
    node.children.clear()
  }
  return root
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** How a schema splits into parts that validate alone; `null` when it does not split. */
type Split =
  | { kind: 'shape'; shape: Record<string, AnySchema> }
  | { kind: 'record'; entry: AnySchema }
  | { kind: 'array'; element: AnySchema }
  | null

// Schemas live as long as the store; looking their split up once per schema keeps the
// per-change descent from re-reading the library's internals at every level.
const splits = new WeakMap<AnySchema, Split>()

function splitOf(schema: AnySchema): Split {
  let split = splits.get(schema)
  if (split === undefined) {
    const shape = schemaShape(schema)
    const entry = shape ? undefined : recordValueSchema(schema)
    const element = shape || entry ? undefined : arrayElementSchema(schema)
    split = shape
      ? { kind: 'shape', shape }
      : entry
        ? { kind: 'record', entry }
        : element
          ? { kind: 'array', element }
          : null
    splits.set(schema, split)
  }
  return split
}

/**
 * An array whose length the change kept: only the elements it wrote are validated,
 * each with the element schema. `undefined` when the array must be validated whole.
 */
function validateElements(
  element: AnySchema,
  value: unknown[],
  touched: Touched,
  prefix: PathSegment[],
): PatchIssue[] | null | undefined {
  if (touched.resized) return undefined
  let issues: PatchIssue[] | null = null
  for (const [key, child] of touched.children) {
    const index = Number(key)
    if (!Number.isInteger(index) || index < 0 || index >= value.length) return undefined
    const found = validateTouched(element, value[index], child, [...prefix, index])
    if (found) issues = issues ? issues.concat(found) : found
  }
  return issues
}

/**
 * Validates only what a change wrote: descends through object schemas, string-keyed
 * records and arrays (when the change kept their length) along the written paths and
 * validates the deepest part that can stand alone (a refined object or array, a
 * written value) whole. Untouched siblings were valid before and did not change.
 */
function validateTouched(
  schema: AnySchema,
  value: unknown,
  touched: Touched,
  prefix: PathSegment[],
): PatchIssue[] | null {
  if (touched.whole) return validateSync(schema, value, prefix)
  const split = splitOf(schema)
  if (split?.kind === 'array' && Array.isArray(value)) {
    const found = validateElements(split.element, value, touched, prefix)
    return found === undefined ? validateSync(schema, value, prefix) : found
  }
  if (split === null || split.kind === 'array' || !isPlainRecord(value))
    return validateSync(schema, value, prefix)
  const shape = split.kind === 'shape' ? split.shape : undefined
  const entry = split.kind === 'record' ? split.entry : undefined
  let issues: PatchIssue[] | null = null
  for (const [key, child] of touched.children) {
    let found: PatchIssue[] | null
    if (shape) {
      const part = shape[key]
      // A key outside the shape: only the object's own rules (strict, catchall) can judge it.
      if (!part) return validateSync(schema, value, prefix)
      found = validateTouched(part, value[key], child, [...prefix, key])
    } else {
      // A removed entry leaves nothing to check in a string-keyed record.
      if (!Object.hasOwn(value, key)) continue
      found = validateTouched(entry!, value[key], child, [...prefix, key])
    }
    if (found) issues = issues ? issues.concat(found) : found
  }
  return issues
}

/**
 * `validateTouched` for a change of one op, along its path alone: the common case (a
 * stream chunk, a relay change, a form field) needs no tree, and the issue prefix is
 * sliced from the path only where a part is validated.
 */
function validateAlong(
  schema: AnySchema,
  value: unknown,
  op: unknown,
  path: readonly PathSegment[],
  depth: number,
): PatchIssue[] | null {
  if (depth < path.length) {
    const split = splitOf(schema)
    const seg = path[depth]!
    if (split?.kind === 'array' && Array.isArray(value)) {
      const index = Number(seg)
      // An add or remove at an index changes the length: the array's own rules may care.
      const resized = depth === path.length - 1 && op !== 'replace'
      if (!resized && Number.isInteger(index) && index >= 0 && index < value.length)
        return validateAlong(split.element, value[index], op, path, depth + 1)
    } else if (split !== null && split.kind !== 'array' && isPlainRecord(value)) {
      const key = String(seg)
      if (split.kind === 'record') {
        // A removed entry leaves nothing to check in a string-keyed record.
        if (!Object.hasOwn(value, key)) return null
        return validateAlong(split.entry, value[key], op, path, depth + 1)
      }
      const part = split.shape[key]
      // A key outside the shape: only the object's own rules (strict, catchall) can judge it.
      if (part) return validateAlong(part, value[key], op, path, depth + 1)
    }
  }
  return validateSync(schema, value, path.slice(0, depth))
}

/** Decides whether a state a change would produce is valid, at a cost that follows the change. */
export interface SchemaGate {
  /**
   * @param next the state the change would produce
   * @param touched the top-level keys the change wrote, or `null` when it replaced the root
   * @param ops the change's ops; when given, validation descends along their paths
   *   (object schemas and string-keyed records) instead of validating whole top-level keys
   */
  check(
    next: unknown,
    touched: ReadonlySet<string> | null,
    ops?: readonly { op?: unknown; path: unknown }[],
  ): PatchIssue[] | null
}

/**
 * Builds the gate for a root schema. With an object schema, only the parts a
 * change touched are validated: each touched top-level key with its own part of
 * the schema, and, when the ops are given, only the entities under it that the
 * ops wrote (through nested object schemas and string-keyed records). Otherwise
 * the whole state is validated. `ignoreKeys` (the status slice) are never validated.
 *
 * @example
 * ```ts
 * const gate = createSchemaGate(AppSchema, ['patchwire'])
 * const issues = gate.check(nextState, new Set(['todos']), change.ops)
 * ```
 */
export function createSchemaGate(
  schema: AnySchema,
  ignoreKeys: readonly string[] = [],
): SchemaGate {
  const shape = schemaShape(schema)
  const ignored = new Set(ignoreKeys)
  const whole = (next: unknown): PatchIssue[] | null => {
    if (next === null || typeof next !== 'object' || ignored.size === 0)
      return validateSync(schema, next)
    const rest: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(next)) if (!ignored.has(k)) rest[k] = v
    return validateSync(schema, rest)
  }
  if (!shape) return { check: (next) => whole(next) }
  return {
    check(next, touched, ops) {
      if (touched === null) return whole(next)
      const state = next as Record<string, unknown>
      if (ops?.length === 1) {
        const path = toPath(ops[0]!.path)
        const key = String(path[0])
        if (ignored.has(key)) return null
        const part = shape[key]
        return part ? validateAlong(part, state[key], ops[0]!.op, path, 1) : whole(next)
      }
      const tree = ops ? touchedTree(ops) : undefined
      let issues: PatchIssue[] | null = null
      for (const key of touched) {
        if (ignored.has(key)) continue
        const part = shape[key]
        const sub = tree?.children.get(key)
        // A key outside the shape is only allowed when the whole schema accepts it (non-strict objects do).
        const found = !part
          ? whole(next)
          : sub
            ? validateTouched(part, state[key], sub, [key])
            : validateSync(part, state[key], [key])
        if (found) issues = issues ? issues.concat(found) : found
      }
      return issues
    },
  }
}
