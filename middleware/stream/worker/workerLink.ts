import { vouchChecked } from '../../../src/vouchedChanges'
import type { StreamWorkerLike } from '../types'
import { decodeBatch } from './batchCodec'
import {
  parseFromWorker,
  type ToWorkerMessage,
  type WorkerItem,
  type WorkerOpenMessage,
} from './protocol'

/** What the runner asks the worker to open, without the connection number. */
export type WorkerConnectSettings = Omit<WorkerOpenMessage, 'type' | 'connection' | 'cursor'>

/** One connection served by the worker, seen from the main thread. */
export interface LinkedConnection {
  /** Resolves once the server answered 2xx; rejects when the connection failed before. */
  opened: Promise<void>
  /** Resolves when the stream ended; rejects with the worker's error. */
  done: Promise<void>
}

/** The main thread's end of one stream's worker. */
export interface WorkerLink {
  /** Opens a connection from `cursor`; `apply` runs for each batch, in order. */
  connect(
    cursor: string | null,
    apply: (items: WorkerItem[], cursor: string | undefined) => void,
  ): LinkedConnection
  /** Ends the connection and terminates the worker (its fetch is aborted with it). */
  close(): void
}

interface Pending {
  connection: number
  apply: (items: WorkerItem[], cursor: string | undefined) => void
  opened: { resolve: () => void; reject: (err: Error) => void }
  done: { resolve: () => void; reject: (err: Error) => void }
}

/**
 * Creates the worker on the first connect (so a stream that never starts costs
 * no thread) and routes its messages to the connection they belong to. A
 * worker that fails to load or throws fails the current connection; the next
 * connect creates a fresh one, so the runner's backoff covers it.
 */
export function createWorkerLink(
  create: () => StreamWorkerLike,
  settings: WorkerConnectSettings,
): WorkerLink {
  let worker: StreamWorkerLike | null = null
  let connection = 0
  let current: Pending | null = null

  const fail = (message: string) => {
    const pending = current
    current = null
    worker?.terminate()
    worker = null
    pending?.opened.reject(new Error(message))
    pending?.done.reject(new Error(message))
  }

  const onMessage = (event: { data: unknown }) => {
    const message = parseFromWorker(event.data)
    const pending = current
    if (message === null || pending === null || message.connection !== pending.connection) return
    if (message.type === 'opened') pending.opened.resolve()
    else if (message.type === 'batch') {
      const items = decodeBatch(message.items)
      // Parsed here from the text of the worker this link created: its checks hold.
      vouchChecked(items)
      pending.apply(items, message.cursor)
      post({ type: 'applied', connection: pending.connection })
    } else {
      current = null
      const outcome = message.type === 'ended' ? null : new Error(message.message)
      // A connection that ends before it opened failed to open.
      pending.opened.reject(outcome ?? new Error('The stream ended before it opened.'))
      if (outcome === null) pending.done.resolve()
      else pending.done.reject(outcome)
    }
  }

  const onError = (event: { message?: string }) => {
    fail(`The stream worker failed: ${event.message || 'it could not be loaded'}.`)
  }

  const post = (message: ToWorkerMessage) => worker?.postMessage(message)

  return {
    connect(cursor, apply) {
      if (worker === null) {
        worker = create()
        worker.addEventListener('message', onMessage as unknown as (event: Event) => void)
        worker.addEventListener('error', onError as unknown as (event: Event) => void)
      }
      const pending = { connection: ++connection, apply } as Pending
      const opened = new Promise<void>((resolve, reject) => {
        pending.opened = { resolve, reject }
      })
      const done = new Promise<void>((resolve, reject) => {
        pending.done = { resolve, reject }
      })
      // Whoever awaits only one of the two must not leave the other unhandled.
      opened.catch(() => {})
      done.catch(() => {})
      current = pending
      post({ type: 'open', connection: pending.connection, cursor, ...settings })
      return { opened, done }
    },
    close() {
      current = null
      post({ type: 'close' })
      worker?.terminate()
      worker = null
    },
  }
}
