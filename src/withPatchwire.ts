import {
  type Action,
  combineReducers,
  type PreloadedStateShapeFromReducersMapObject,
  type Reducer,
  type ReducersMapObject,
  type StateFromReducersMapObject,
} from '@reduxjs/toolkit'
import { type ApplyPatchAction, applyPatch } from './actions'
import { assertChangeShape } from './changeShape'
import { PatchwireError, type PatchwireErrorCode } from './errors'
import { createPatchBatch } from './patchBatch'
import { toPath } from './pointer'
import { type AnySchema, createSchemaGate, type SchemaGate } from './schemaGate'
import type { Change, PatchIssue, PatchOp, PathSegment } from './types'
import { isVouched } from './vouchedChanges'

/** The key the status slice is mounted under. */
export const PATCHWIRE_KEY = 'patchwire'

/** A change the sink refused, with why. */
export interface SinkRejection {
  /** Position of the change in the action's `changes`. */
  index: number
  change: Change
  /** The code of the error that refused it (`schema`, `forbidden_path`, …). */
  reason: PatchwireErrorCode
  issues: PatchIssue[]
}

/** What the sink did with one `applyPatch` action. */
export interface SinkOutcome {
  applied: number
  rejected: SinkRejection[]
}

/** The root states on either side of one reduction of an action. */
export interface Reduction {
  before: unknown
  after: unknown
}

/** What the reducer recorded about the last reduction of one action object. */
interface ReductionRecord extends Reduction {
  outcome: SinkOutcome | undefined
}

// The reducer must stay pure, yet the middleware and the status slice need to know which
// changes of an action it refused without validating them again. And under Redux DevTools,
// an action dispatched while a past state is shown is reduced on the live (latest) state
// while getState keeps returning the shown one, so middleware sees no change: the reducer
// is the only place that sees the live states. Both are deterministic functions of
// (state, action), so recording them per action object is safe under replay: a replay
// records the same again, and nothing reads them then.
//
// The record rides on the action itself, under a symbol key that is not enumerable (so
// DevTools, serializability checks and equality see the action as dispatched). A WeakMap
// entry per dispatch costs more: its ephemerons make every garbage collection slower, and
// dispatch-heavy stores (a stream, a relay catching up) paid that on each action. Actions
// that cannot take a property (frozen ones) fall back to the WeakMap.
const RECORD = Symbol('patchwire.reduction')
const frozenActions = new WeakMap<object, ReductionRecord>()

function readRecord(action: object): ReductionRecord | undefined {
  return (action as { [RECORD]?: ReductionRecord })[RECORD] ?? frozenActions.get(action)
}

function writeRecord(action: object, record: ReductionRecord): void {
  if (Object.hasOwn(action, RECORD)) (action as { [RECORD]?: ReductionRecord })[RECORD] = record
  else if (Object.isExtensible(action))
    Object.defineProperty(action, RECORD, { value: record, writable: true, configurable: true })
  else frozenActions.set(action, record)
}

/** What the sink decided for an `applyPatch` action it reduced, if it reduced it. */
export function readSinkOutcome(action: object): SinkOutcome | undefined {
  return readRecord(action)?.outcome
}

/** The states the root reducer last reduced `action` between, if it reduced it. */
export function readReduction(action: object): Reduction | undefined {
  return readRecord(action)
}

/**
 * The states one real dispatch moved the store between. Normally what
 * getState returned around the reducer; but when Redux DevTools shows a past
 * state, the action is reduced on the live state and getState does not move,
 * so the live states the reducer recorded are used instead: a real action is
 * synced against the live state, never the displayed one.
 */
export function liveTransition(
  action: unknown,
  prev: unknown,
  next: unknown,
): { from: unknown; to: unknown } {
  if (next === prev && typeof action === 'object' && action !== null) {
    const reduced = readReduction(action)
    if (reduced && reduced.before !== prev) return { from: reduced.before, to: reduced.after }
  }
  return { from: prev, to: next }
}

/**
 * Whether Redux DevTools re-ran its recorded log (a skipped or re-enabled
 * action, a reorder, an import) since `action` was reduced into `state`: the
 * reducer then reduced the same action object again, to another state. The
 * live state moved with no dispatch, which middleware must not take for a
 * change of the app.
 */
export function replayedSince(action: unknown, state: unknown): boolean {
  if (typeof action !== 'object' || action === null) return false
  const reduced = readReduction(action)
  return reduced !== undefined && reduced.after !== state
}

/** Options of `withPatchwire`. */
export interface WithPatchwireOptions {
  /**
   * A Standard Schema for the root state (zod 4 `z.object({...})` in our examples).
   * Object schemas are split so a change is validated only against the keys it touched.
   * Must validate synchronously.
   */
  schema?: AnySchema
  /** Where the status slice is mounted; patches may not write there. @defaultValue 'patchwire' */
  statusKey?: string
}

// The first segment of an op's path; a checked op's path is already segments, not a pointer.
function firstSegment(op: PatchOp, checked: boolean): PathSegment | undefined {
  return (checked ? (op.path as PathSegment[]) : toPath(op.path))[0]
}

// Index loops in these two: they run for every change of every batch, and an array
// iterator costs more than the walk itself while the code is not yet optimized.
function touchedKeys(change: Change, checked: boolean): Set<string> | null {
  const keys = new Set<string>()
  const ops = change.ops
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!
    if (op === null || typeof op !== 'object') continue
    const first = firstSegment(op, checked)
    if (first === undefined) return null
    keys.add(String(first))
  }
  return keys
}

/** Throws when a change writes the root or the status key, which no change may. */
function refuseRootOrStatus(change: Change, statusKey: string, checked: boolean): void {
  let status = false
  const ops = change.ops
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!
    if (op === null || typeof op !== 'object') continue
    const first = firstSegment(op, checked)
    if (first === undefined) {
      throw new PatchwireError(
        'forbidden_path',
        'A change may not replace the whole state; write its top-level keys instead.',
        { path: [], segment: '' },
      )
    }
    if (String(first) === statusKey) status = true
  }
  if (status) {
    throw new PatchwireError(
      'forbidden_path',
      `The "${statusKey}" key is patchwire's status and cannot be patched.`,
      { path: [statusKey], segment: statusKey },
    )
  }
}

// The common case of a vouched change, one op under a key other than the status key,
// told without a loop: refuseRootOrStatus would find nothing to refuse.
function writesBelowRoot(change: Change, statusKey: string): boolean {
  const ops = change.ops
  if (ops.length !== 1) return false
  const path = ops[0]!.path as PathSegment[]
  return path.length > 0 && path[0] !== statusKey && typeof path[0] === 'string'
}

function toRejection(index: number, change: Change, err: unknown): SinkRejection {
  if (err instanceof PatchwireError) {
    const issuePath =
      'path' in (err.details as object) ? (err.details as { path?: unknown }).path : undefined
    const issue: PatchIssue = { message: err.message, code: err.code }
    if (Array.isArray(issuePath)) issue.path = issuePath
    return { index, change, reason: err.code, issues: [issue] }
  }
  // Unexpected: keep the reducer total; report rather than throw out of dispatch.
  return { index, change, reason: 'bad_request', issues: [{ message: String(err) }] }
}

/**
 * Applies a batch, change by change; pure and total (never throws for bad input).
 * `statusKey` names the key no change may write; `null` is for a state without a
 * status slice (an RTK Query cache entry), whose root a change may then replace whole.
 */
export function reduceChanges<S>(
  state: S,
  changes: readonly unknown[],
  gate: SchemaGate | undefined,
  statusKey: string | null,
): { state: S; outcome: SinkOutcome } {
  const outcome: SinkOutcome = { applied: 0, rejected: [] }
  if (!Array.isArray(changes)) {
    const change = { ops: [], source: 'local' } as Change
    outcome.rejected.push(
      toRejection(
        0,
        change,
        new PatchwireError('invalid_change', 'changes must be an array.', {
          reason: 'changes is not an array',
        }),
      ),
    )
    return { state, outcome }
  }
  // A vouched list was built and checked by patchwire's own stream worker.
  const checked = isVouched(changes)
  // Without a schema no vouched change is rolled back once applied: runs of writes
  // into the map the last change wrote are written in one loop (a stream worker's
  // batch is a thousand one-op changes), the others one by one below.
  const kept = checked && gate === undefined
  const batch = createPatchBatch(state)
  for (let index = 0; index < changes.length; index++) {
    if (kept) {
      const next = batch.applyKeptRun(changes as Change[], index, statusKey)
      outcome.applied += next - index
      index = next
      if (index === changes.length) break
    }
    const raw = changes[index]
    let pending = false
    try {
      if (!checked) assertChangeShape(raw)
      if (statusKey !== null && !(checked && writesBelowRoot(raw as Change, statusKey)))
        refuseRootOrStatus(raw as Change, statusKey, checked)
      // The keys are only collected for the schema gate, which validates just those.
      const touched = gate ? touchedKeys(raw as Change, checked) : null
      batch.apply((raw as Change).ops, checked)
      pending = true
      const issues = gate?.check(batch.current, touched, (raw as Change).ops)
      pending = false
      if (issues) {
        batch.undoLast()
        // An async validator cannot run in a reducer: name that, not a data problem.
        const reason = issues.some((i) => i.code === 'async_schema') ? 'async_schema' : 'schema'
        outcome.rejected.push({ index, change: raw as Change, reason, issues })
        continue
      }
      outcome.applied++
    } catch (err) {
      // A validator that threw after the ops applied: the change must not stay.
      if (pending) batch.undoLast()
      outcome.rejected.push(toRejection(index, raw as Change, err))
    }
  }
  return { state: batch.finish(), outcome }
}

// Two overloads with conditional return types, as `combineReducers` has: TypeScript
// does not infer through a conditional type from where the result goes, so the state
// is read from the argument alone. With one plain signature over
// `ReducersMapObject<S, A, P>`, a call written inline in `configureStore` beside a
// `middleware` callback took its `S` from configureStore's context and came out
// `any`. The action type stays `Action`, as before, so a store accepts any action
// object (`confirmed(…)` wraps one in a promise-like that has no index signature).
// biome-ignore lint/suspicious/noExplicitAny: the widest reducer, as redux's own `combineReducers` writes it
type AnyReducer = Reducer<any, any, any>

/**
 * Makes any root reducer handle `applyPatch`: a slice reducer, a reducer map
 * (combined for you) or a hand-written reducer.
 *
 * Each change of an `applyPatch` applies atomically; with a `schema`, the state
 * it would produce is validated first and an invalid change leaves state as it
 * was. The wrapped reducer then sees the action too, so slices (and the status
 * slice, which counts outcomes) can react to it. Pair it with
 * `patchwireMiddleware()` to turn refusals into visible `patchRejected` actions.
 *
 * @example
 * ```ts
 * const store = configureStore({
 *   reducer: withPatchwire({ cart: cartSlice.reducer, patchwire: patchwireReducer }, { schema: AppState }),
 *   middleware: (gDM) => gDM().concat(patchwireMiddleware()),
 * })
 * ```
 */
export function withPatchwire<M extends ReducersMapObject>(
  reducers: M,
  options?: WithPatchwireOptions,
): M[keyof M] extends AnyReducer | undefined
  ? Reducer<
      StateFromReducersMapObject<M>,
      Action | ApplyPatchAction,
      Partial<PreloadedStateShapeFromReducersMapObject<M>>
    >
  : never
export function withPatchwire<R extends AnyReducer>(
  reducer: R,
  options?: WithPatchwireOptions,
): R extends Reducer<infer S, infer A, infer P> ? Reducer<S, A | ApplyPatchAction, P> : never
export function withPatchwire<S, A extends Action, P = S>(
  reducer: Reducer<S, A, P> | ReducersMapObject<S, A, P>,
  options: WithPatchwireOptions = {},
): Reducer<S, A | ApplyPatchAction, P> {
  const inner = (typeof reducer === 'function' ? reducer : combineReducers(reducer)) as Reducer<
    S,
    A,
    P
  >
  const statusKey = options.statusKey ?? PATCHWIRE_KEY
  const gate = options.schema ? createSchemaGate(options.schema, [statusKey]) : undefined
  return (state, action) => {
    if (state === undefined || typeof action !== 'object' || action === null)
      return inner(state, action as A)
    const record: ReductionRecord = { before: state, after: undefined, outcome: undefined }
    let after: S
    if (applyPatch.match(action)) {
      const changes = (action.payload as { changes?: unknown } | undefined)?.changes as unknown[]
      const result = reduceChanges(state as S, changes, gate, statusKey)
      record.outcome = result.outcome
      // Recorded before the wrapped reducer runs: the status slice reads the outcome there.
      writeRecord(action, record)
      after = inner(result.state as unknown as P, action as unknown as A)
    } else {
      after = inner(state, action as A)
      writeRecord(action, record)
    }
    record.after = after
    return after
  }
}
