/**
 * The script of a stream's dedicated worker; import it from a worker module of your own to add a `map`.
 *
 * @module patchwire/stream-worker
 */
import { type StreamWorkerScope, serveStreamWorker } from './serveStreamWorker'

export type { StreamWorkerOptions, StreamWorkerScope } from './serveStreamWorker'
export { serveStreamWorker }

// Loaded as a dedicated worker's script (`new Worker(url, { type: 'module' })`), this
// module serves its scope; imported anywhere else (a window, Node) it only exports.
// After a microtask: an app module importing this one calls serveStreamWorker with
// its options during the same evaluation, and a scope is served once. Messages
// from the page are not delivered before the worker's script has run.
const WorkerScope = (globalThis as { DedicatedWorkerGlobalScope?: abstract new () => unknown })
  .DedicatedWorkerGlobalScope
if (WorkerScope !== undefined && globalThis instanceof WorkerScope) {
  queueMicrotask(() => serveStreamWorker(globalThis as unknown as StreamWorkerScope))
}
