import { Worker } from 'node:worker_threads'
import type { StreamWorkerLike } from '../../../middleware/stream/types'

const MAIN = new URL('./nodeWorkerMain.ts', import.meta.url).href
// A worker thread does not inherit the test runner's TypeScript loader: it registers tsx itself.
const BOOT = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(MAIN)}) })`

/** Worker threads created by `nodeStreamWorker`, to see how many are still running. */
export interface WorkerThreads {
  create: () => StreamWorkerLike
  created(): number
  running(): number
}

/**
 * Real threads running the stream worker, shaped like a browser
 * `Worker`: `addEventListener` for `message` and `error`, `terminate`.
 */
export function nodeStreamWorkers(boot: string = BOOT, workerData?: unknown): WorkerThreads {
  let created = 0
  let running = 0
  return {
    created: () => created,
    running: () => running,
    create() {
      created++
      running++
      const thread = new Worker(boot, { eval: true, workerData })
      thread.once('exit', () => {
        running--
      })
      return {
        postMessage: (message) => thread.postMessage(message),
        addEventListener(type, listener) {
          const call = listener as (event: unknown) => void
          if (type === 'message') thread.on('message', (data) => call({ data }))
          else thread.on('error', (err) => call({ message: err.message }))
        },
        terminate: () => {
          void thread.terminate()
        },
      }
    },
  }
}
