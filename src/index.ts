// The package entry re-exports middleware and slices (DESIGN §1); the core
// modules in src/ never import them.
export { applyPatch, PATCHWIRE_PREFIX, patchRejected } from './actions'
export { applyOps, checkValue } from './applyOps'
export { assertChangeShape, isChangeSource } from './changeShape'
export { patchwireDevTools, sanitizePatchAction } from './devtools'
export { diffState } from './diff'
export { describeValue, isPatchwireError, PatchwireError } from './errors'
export { compareHlc, createHlc, formatHlc, parseHlc } from './hlc'
export { FORBIDDEN_SEGMENTS, formatPointer, parsePointer, pathsOverlap, toPath } from './pointer'
export { PROTOCOL_VERSION } from './protocol'
export { createSchemaGate, schemaShape, validateSync } from './schemaGate'
export { PATCHWIRE_KEY, readSinkOutcome, reduceChanges, withPatchwire } from './withPatchwire'
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
export type { PatchwireDevToolsOptions } from './devtools'
export type { PatchwireErrorCode, PatchwireErrorDetails } from './errors'
export type { Hlc, HlcOptions, HybridLogicalClock } from './hlc'
export type {
  CatchUpAck,
  CatchUpRequest,
  ClientToServerEvents,
  JoinAck,
  JoinRequest,
  PushAck,
  PushRequest,
  PushResult,
  RejectReason,
  RelayChange,
  ServerToClientEvents,
  WireChange,
} from './protocol'
export type { AnySchema, SchemaGate } from './schemaGate'
export type { Change, ChangeSource, JsonValue, PatchIssue, PatchOp, PatchOpKind, Path, PathSegment } from './types'
export type { SinkOutcome, SinkRejection, WithPatchwireOptions } from './withPatchwire'
