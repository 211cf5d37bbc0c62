import type { RejectReason } from './protocol'
import type { PatchIssue, PathSegment } from './types'

/** The details each error code carries. */
export interface PatchwireErrorDetails {
  forbidden_path: { path: PathSegment[]; segment: string }
  invalid_path: { path: unknown; reason: string }
  invalid_op: { op: unknown }
  missing_path: { path: PathSegment[] }
  not_a_container: { path: PathSegment[]; found: string }
  index_out_of_range: { path: PathSegment[]; index: number; length: number }
  invalid_value: { path: PathSegment[]; found: string }
  invalid_change: { reason: string }
  schema: { issues: PatchIssue[] }
  async_schema: { key?: string }
  stale: { path?: PathSegment[] }
  storage: { key: string; operation: 'read' | 'write' | 'remove' }
  storage_quota: { key: string }
  serialize: { key: string }
  migrate: { key: string; from: number; to: number }
  load_timeout: { key: string; ms: number }
  timeout: { ms: number }
  offline: Record<string, never>
  forbidden: { room?: string }
  too_large: { limit: string; max: number; received: number }
  rate_limited: { limit: number }
  skew: { client: string; server: string }
  bad_request: { reason: string }
  /** The relay holds another change under this id (a reused id): nothing was applied. */
  id_conflict: { room: string; id: string }
  /** The relay can no longer tell whether it applied this id (compacted away). */
  unknown: { room: string; id: string }
  transport: { reason: string }
  /** The relay refused to let this client join the room (`skew`, `forbidden`, …): nothing of it is shown. */
  join_refused: { room: string; reason: RejectReason }
  option: { option: string; received: string }
  /** An optional peer dependency a feature needs is not installed (`npm install <package>`). */
  missing_peer: { package: string; neededBy: string }
}

/** Every error code patchwire reports. */
export type PatchwireErrorCode = keyof PatchwireErrorDetails

/**
 * The one error type patchwire throws or reports, keyed by `code` with typed `details`.
 *
 * Inbound bad data is never thrown out of `dispatch`: it is reported as a
 * `patchwire/patchRejected` action, a counter and an `onPatchRejected` call.
 * Programmer mistakes (a missing option) throw at setup.
 *
 * @example
 * ```ts
 * if (err instanceof PatchwireError && err.code === 'forbidden_path') console.warn(err.details.segment)
 * ```
 */
export class PatchwireError<C extends PatchwireErrorCode = PatchwireErrorCode> extends Error {
  override readonly name = 'PatchwireError' as const
  readonly code: C
  readonly details: PatchwireErrorDetails[C]

  constructor(
    code: C,
    message: string,
    details: PatchwireErrorDetails[C],
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.code = code
    this.details = details
  }

  /** A plain, serializable form for actions and the wire. */
  toJSON(): {
    name: 'PatchwireError'
    code: C
    message: string
    details: PatchwireErrorDetails[C]
  } {
    return { name: this.name, code: this.code, message: this.message, details: this.details }
  }
}

/**
 * A `PatchwireError` of any code, as a union over codes: checking `code`
 * narrows `details` to that code's type.
 *
 * @example
 * ```ts
 * const err = e as AnyPatchwireError
 * if (err.code === 'index_out_of_range') console.warn(err.details.length)
 * ```
 */
export type AnyPatchwireError = {
  [C in PatchwireErrorCode]: PatchwireError<C>
}[PatchwireErrorCode]

/**
 * Narrows an unknown value to a `PatchwireError`, optionally of one code.
 *
 * @example
 * ```ts
 * if (isPatchwireError(err, 'forbidden_path')) console.warn(err.details.segment)
 * ```
 */
export function isPatchwireError<C extends PatchwireErrorCode>(
  value: unknown,
  code: C,
): value is PatchwireError<C>
export function isPatchwireError(value: unknown): value is AnyPatchwireError
export function isPatchwireError(value: unknown, code?: PatchwireErrorCode): boolean {
  return value instanceof PatchwireError && (code === undefined || value.code === code)
}

/** The message of a thrown value: an Error's own, anything else as a string. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** A short description of what a value is, for error messages ("received an array"). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') {
    const ctor = Object.getPrototypeOf(value)?.constructor?.name
    return ctor && ctor !== 'Object' ? `an instance of ${ctor}` : 'an object'
  }
  if (typeof value === 'function') return 'a function'
  return `${typeof value} ${JSON.stringify(value)?.slice(0, 40) ?? ''}`.trim()
}
