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

/** The paths a change wrote, as a tree: a node marked `whole` was replaced as a unit. */
interface Touched {
  whole: boolean
  children: Map<string, Touched>
}

function touchedTree(paths: readonly (readonly PathSegment[])[]): Touched {
  const root: Touched = { whole: false, children: new Map() }
  for (const path of paths) {
    let node = root
    for (const seg of path) {
      if (node.whole) break
      let child = node.children.get(String(seg))
      if (!child) {
        child = { whole: false, children: new Map() }
        node.children.set(String(seg), child)
      }
      node = child
    }
    node.whole = true
    node.children.clear()
  }
  return root
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/**
 * Validates only what a change wrote: descends through object schemas and
 * string-keyed records along the written paths and validates the deepest part
 * that can stand alone (an array, a refined object, a written value) whole.
 * Untouched siblings were valid before and did not change.
 */
function validateTouched(
  schema: AnySchema,
  value: unknown,
  touched: Touched,
  prefix: PathSegment[],
): PatchIssue[] | null {
  if (touched.whole || !isPlainRecord(value)) return validateSync(schema, value, prefix)
  const shape = schemaShape(schema)
  const entry = shape ? undefined : recordValueSchema(schema)
  if (!shape && !entry) return validateSync(schema, value, prefix)
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
    ops?: readonly { path: unknown }[],
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
      const tree = ops ? touchedTree(ops.map((op) => toPath(op.path))) : undefined
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
