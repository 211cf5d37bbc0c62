import type { StandardSchemaV1 } from '@standard-schema/spec'
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

/** Decides whether a state a change would produce is valid, at a cost that follows the change. */
export interface SchemaGate {
  /**
   * @param next the state the change would produce
   * @param touched the top-level keys the change wrote, or `null` when it replaced the root
   */
  check(next: unknown, touched: ReadonlySet<string> | null): PatchIssue[] | null
}

/**
 * Builds the gate for a root schema. With an object schema, only the
 * top-level keys a change touched are validated, each with its own part of
 * the schema; otherwise the whole state is validated. `ignoreKeys` (the status
 * slice) are never validated.
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
    check(next, touched) {
      if (touched === null) return whole(next)
      const state = next as Record<string, unknown>
      let issues: PatchIssue[] | null = null
      for (const key of touched) {
        if (ignored.has(key)) continue
        const part = shape[key]
        // A key outside the shape is only allowed when the whole schema accepts it (non-strict objects do).
        const found = part ? validateSync(part, state[key], [key]) : whole(next)
        if (found) issues = issues ? issues.concat(found) : found
      }
      return issues
    },
  }
}
