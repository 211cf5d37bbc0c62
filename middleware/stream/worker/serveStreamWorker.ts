import { parseToWorker, type StreamWorkerOptions } from './protocol'

export type { StreamWorkerOptions } from './protocol'

import { serveConnection, type WorkerConnection } from './workerConnection'

/** The global scope of a dedicated worker, as far as the stream worker uses it (a `MessagePort` fits too). */
export interface StreamWorkerScope {
  postMessage(message: unknown): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  /** Called once listening: a `MessagePort` delivers nothing before it is started. */
  start?: () => void
}

const served = new WeakSet<object>()

/**
 * Serves the stream runner of the main thread from inside a worker: opens the
 * connection it asks for (one at a time) and posts its chunks back in checked
 * batches. Loading `patchwire/stream-worker` as a dedicated worker's script
 * serves its global scope with no options; a worker module of the app calls
 * it first (during its own evaluation) to give a `map`, or serves another
 * kind of endpoint (a `MessagePort`, Node's `parentPort`). A scope is served once.
 *
 * @example
 * ```ts
 * // quotesWorker.ts: new Worker(new URL('./quotesWorker.ts', import.meta.url), { type: 'module' })
 * import { serveStreamWorker } from 'patchwire/stream-worker'
 * serveStreamWorker(self, {
 *   map: (q) => ({ ops: [{ op: 'add', path: ['quotes', q.symbol], value: q.last }] }),
 * })
 * ```
 */
export function serveStreamWorker(
  scope: StreamWorkerScope,
  options: StreamWorkerOptions = {},
): void {
  if (served.has(scope)) return
  served.add(scope)
  let current: { connection: number; served: WorkerConnection } | null = null
  scope.addEventListener('message', (event) => {
    const message = parseToWorker(event.data)
    if (message === null) return
    if (message.type === 'applied') {
      if (current?.connection === message.connection) current.served.applied()
      return
    }
    current?.served.close()
    current = null
    if (message.type === 'open') {
      const served = serveConnection(message, options, (out) => scope.postMessage(out))
      current = { connection: message.connection, served }
    }
  })
  scope.start?.()
}
