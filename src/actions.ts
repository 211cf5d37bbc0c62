import { createAction } from '@reduxjs/toolkit'
import type { PatchwireErrorCode } from './errors'
import { parsePointer } from './pointer'
import type { RejectReason } from './protocol'
import type { Change, ChangeInput, ChangeSource, PatchIssue, PatchOp } from './types'

// The creators are marked pure: a bundler keeps any call to an imported function
// unless told it has no side effects, and would keep every creator an app never uses.

/** The prefix of every action type patchwire dispatches. */
export const PATCHWIRE_PREFIX = 'patchwire'

/** Metadata of an `applyPatch` action. */
export interface ApplyPatchMeta {
  /** Lets RTK's `autoBatchEnhancer` notify subscribers once per burst. */
  RTK_autoBatch?: boolean
  /** Wall-clock ms when the middleware dispatched it (read outside the reducer so replay is exact). */
  at?: number
  /** Set by the `undoHistory` middleware on the change it makes for `undo()` / `redo()`. */
  history?: 'undo' | 'redo'
}

/** The payload of `applyPatch`: every change in order, each with its own metadata. */
export interface ApplyPatchPayload {
  changes: Change[]
}

/**
 * The one action through which outside changes reach the reducer.
 * A batch keeps every change, in order; each change applies atomically or not at all.
 *
 * @example
 * ```ts
 * store.dispatch(applyPatch({ changes: [{ source: 'local', ops: [{ op: 'replace', path: ['title'], value: 'Hi' }] }] }))
 * ```
 */
export const applyPatch = /* @__PURE__ */ createAction(
  `${PATCHWIRE_PREFIX}/applyPatch`,
  (payload: { changes: ChangeInput[] }, meta: ApplyPatchMeta = {}) => ({
    // A payload of another shape (from untyped code) is passed on as it is: the sink refuses it.
    payload: (Array.isArray(payload?.changes)
      ? { changes: payload.changes.map(normalizeChange) }
      : payload) as ApplyPatchPayload,
    meta,
  }),
)

function tryParsePointer(path: string): PatchOp['path'] | string {
  try {
    return parsePointer(path)
  } catch {
    // Left as written: the sink refuses it with an invalid_path rejection.
    return path
  }
}

// JSON Pointer strings become segment arrays here, so the logged action (and its replay) holds one form.
function normalizeChange(change: ChangeInput): Change {
  if (!Array.isArray(change?.ops) || !change.ops.some((op) => typeof op?.path === 'string'))
    return change as Change
  return {
    ...change,
    ops: change.ops.map((op) =>
      typeof op?.path === 'string' ? { ...op, path: tryParsePointer(op.path) } : op,
    ),
  } as Change
}

/**
 * The reasons the client gives itself, beside the relay's: `timeout` (a
 * pending change the relay did not acknowledge in time), `offline` (one that
 * could not reach it) and `parse` (a stream chunk that did not parse).
 */
export const CLIENT_REJECT_REASONS = ['timeout', 'offline', 'parse'] as const

/**
 * Why a change was refused: the one list of refusal reasons, shared by the
 * relay, the sync client, the sink and `patchRejected`. The relay's reasons
 * go on the wire ({@link RejectReason}), the client adds its own
 * (`CLIENT_REJECT_REASONS`), and the sink reports the code of the
 * `PatchwireError` that refused the change (`forbidden_path`,
 * `schema`, …).
 */
export type RejectionReason =
  | RejectReason
  | (typeof CLIENT_REJECT_REASONS)[number]
  | PatchwireErrorCode

/** The payload of `patchRejected`. */
export interface PatchRejectedPayload {
  change: Change
  source: ChangeSource
  reason: RejectionReason
  issues: PatchIssue[]
  /**
   * Where the change was refused: `'sink'` (the reducer; already counted there),
   * `'relay'` (the server said no) or `'client'` (a middleware refused it before dispatch).
   */
  stage: 'sink' | 'relay' | 'client'
  /** Wall-clock ms when it was reported. */
  at?: number
}

/**
 * A change that was refused, made visible: in DevTools, in the status slice and to `onPatchRejected` hooks.
 *
 * @example
 * ```ts
 * builder.addCase(patchRejected, (state, { payload }) => { state.lastError = payload.reason })
 * ```
 */
export const patchRejected = /* @__PURE__ */ createAction<
  PatchRejectedPayload,
  'patchwire/patchRejected'
>(`${PATCHWIRE_PREFIX}/patchRejected`)

export type ApplyPatchAction = ReturnType<typeof applyPatch>
export type PatchRejectedAction = ReturnType<typeof patchRejected>
