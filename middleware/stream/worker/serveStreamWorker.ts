import { parseToWorker } from './protocol'
import { serveConnection, type WorkerConnection } from './workerConnection'

/** The global scope of a dedicated worker, as far as the stream worker uses it (a `MessagePort` fits too). */
export interface StreamWorkerScope {
  postMessage(message: unknown): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  /** Called once listening: a `MessagePort` delivers nothing before it is started. */
  start?: () => void
}

/**
 * Serves the stream runner of the main thread from inside a worker: opens the
 * connection it asks for (one at a time), and posts its chunks back in
 * validated batches. `patchwire/stream-worker` calls it on the worker's global
 * scope; call it yourself from a worker module of your own that needs other
 * set-up first.
 *
 * @example
 * ```ts
 * // streamWorker.ts, loaded with new Worker(new URL('./streamWorker.ts', import.meta.url), { type: 'module' })
 * import { serveStreamWorker } from 'patchwire/stream-worker'
 * serveStreamWorker(self)
 * ```
 */
export function serveStreamWorker(scope: StreamWorkerScope): void {
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
      const served = serveConnection(message, (out) => scope.postMessage(out))
      current = { connection: message.connection, served }
    }
  })
  scope.start?.()
}
