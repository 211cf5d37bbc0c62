export {
  streamError,
  streamStart,
  streamStarted,
  streamStop,
  streamStopped,
} from './actions'
export type { Backoff } from './backoff'
export { createBackoff, MAX_BACKOFF_MS } from './backoff'
export { chunkToChanges } from './chunk'
export type { PollFetch, PollHalt, PollOptions, PollPage } from './pollTypes'
export { readEventSource } from './sources/eventSource'
export { readNdjson } from './sources/ndjson'
export { readSource } from './sources/readSource'
export { readSse } from './sources/sse'
export type { StreamInstance } from "./stream"
export { stream } from './stream'
export type { CacheEntryLifecycle, StreamIntoCacheOptions } from './streamIntoCache'
export { streamIntoCache } from './streamIntoCache'
export type {
  BackoffOptions,
  EventSourceLike,
  PatchChunk,
  ReplaceChunk,
  StreamChangeInput,
  StreamChunk,
  StreamErrorInfo,
  StreamEvent,
  StreamFormat,
  StreamOptions,
  StreamSource,
  StreamSourceFactory,
} from './types'
export type { StreamWorkerLike } from './worker/workerLink'
