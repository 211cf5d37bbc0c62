// The package entry re-exports middleware and slices (DESIGN §1); the core
// modules in src/ never import them.

export * from '../middleware/index'
export * from '../slices/index'
export type {
  ApplyPatchAction,
  ApplyPatchMeta,
  ApplyPatchPayload,
  PatchRejectedAction,
  PatchRejectedPayload,
  RejectionReason,
} from './actions'
export { applyPatch, PATCHWIRE_PREFIX, patchRejected } from './actions'
export { applyOps, checkValue } from './applyOps'
export { assertChangeShape, isChangeSource } from './changeShape'
export type { PatchwireDevToolsOptions } from './devtools'
export { patchwireDevTools, sanitizePatchAction } from './devtools'
export { diffState } from './diff'
export type { AnyPatchwireError, PatchwireErrorCode, PatchwireErrorDetails } from './errors'
export { describeValue, isPatchwireError, PatchwireError } from './errors'
export type { HistoryResult, RedoAction, UndoAction } from './historyActions'
export { redo, undo } from './historyActions'
export type { Hlc, HlcOptions, HybridLogicalClock } from './hlc'
export { compareHlc, createHlc, formatHlc, parseHlc } from './hlc'
export type { PatchBatch } from './patchBatch'
export { createPatchBatch } from './patchBatch'
export { FORBIDDEN_SEGMENTS, formatPointer, parsePointer, pathsOverlap, toPath } from './pointer'
export type { SetPresenceAction, SetPresencePayload } from './presenceActions'
export { setPresence } from './presenceActions'
export type {
  CatchUpAck,
  CatchUpRequest,
  ClientToServerEvents,
  JoinAck,
  JoinedClient,
  JoinRequest,
  PresenceEntry,
  PresenceEvent,
  PresenceSetAck,
  PresenceSetRequest,
  PushAck,
  PushRequest,
  PushResult,
  RejectReason,
  RelayChange,
  ServerToClientEvents,
  WireChange,
} from './protocol'
export { PROTOCOL_VERSION } from './protocol'
export type { AnySchema, SchemaGate } from './schemaGate'
export { createSchemaGate, schemaShape, validateSync } from './schemaGate'
export type {
  Change,
  ChangeInput,
  ChangeSource,
  JsonValue,
  PatchIssue,
  PatchOp,
  PatchOpInput,
  PatchOpKind,
  Path,
  PathSegment,
} from './types'
export type { SinkOutcome, SinkRejection, WithPatchwireOptions } from './withPatchwire'
export { PATCHWIRE_KEY, readSinkOutcome, reduceChanges, withPatchwire } from './withPatchwire'
