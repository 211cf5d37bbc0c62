import { type StreamWorkerScope, serveStreamWorker } from './serveStreamWorker'

export type { StreamWorkerScope } from './serveStreamWorker'
export { serveStreamWorker }

// Loaded as a dedicated worker's script (`new Worker(url, { type: 'module' })`), this
// module serves at once; imported anywhere else (a window, Node) it only exports.
const WorkerScope = (globalThis as { DedicatedWorkerGlobalScope?: abstract new () => unknown })
  .DedicatedWorkerGlobalScope
if (WorkerScope !== undefined && globalThis instanceof WorkerScope) {
  serveStreamWorker(globalThis as unknown as StreamWorkerScope)
}
