import { isPatchwireError, messageOf } from '../../../src/errors'
import { chunkToChanges } from '../chunk'
import { createWindowWaiter } from '../coalesce'
import { fetchStream } from '../sources/fetchSource'
import { readSource } from '../sources/readSource'
import type { StreamEvent } from '../types'
import { encodeBatch } from './batchCodec'
import { checkInWorker } from './checkChanges'
import type {
  FromWorkerMessage,
  StreamWorkerOptions,
  WorkerItem,
  WorkerOpenMessage,
} from './protocol'

/** One connection served inside the worker. */
export interface WorkerConnection {
  /** The runner applied the batch in flight. */
  applied(): void
  /** Aborts the fetch; nothing more is posted. */
  close(): void
}

const NO_STATE = () => undefined

function codeOf(err: unknown): string {
  return isPatchwireError(err) ? err.code : 'bad_request'
}

/**
 * Fetches and reads one connection in the worker and posts its chunks in
 * batches: each batch collects for one window (`batchMs`, or a frame) or up to
 * `maxBatch` chunks, and the next one is posted only after the runner applied
 * the previous one, so memory is bounded whatever the producer's pace. Reading
 * pauses while a full batch waits. Ends with `ended` or `failed`, after every
 * complete chunk read before the end was posted.
 */
export function serveConnection(
  open: WorkerOpenMessage,
  options: StreamWorkerOptions,
  post: (message: FromWorkerMessage) => void,
): WorkerConnection {
  const { connection } = open
  const controller = new AbortController()
  const endOfWindow = createWindowWaiter(open.batchMs)
  let items: WorkerItem[] = []
  // Chunks in `items`: one item may hold many.
  let taken = 0
  let cursor: string | undefined
  let first = true
  let closed = false
  let acked: (() => void) | null = null
  let inFlight: Promise<void> = Promise.resolve()
  let sending: Promise<void> = Promise.resolve()
  let windowOpen = false

  const send = (): Promise<void> => {
    sending = sending.then(async () => {
      await inFlight
      windowOpen = false
      if (closed || (items.length === 0 && cursor === undefined)) return
      const batch: FromWorkerMessage = { type: 'batch', connection, items: encodeBatch(items) }
      if (cursor !== undefined) batch.cursor = cursor
      items = []
      taken = 0
      cursor = undefined
      inFlight = new Promise((resolve) => {
        acked = resolve
      })
      post(batch)
    })
    return sending
  }

  const take = (event: StreamEvent) => {
    // A server that resends the event at the cursor (inclusive resume) is not applied twice.
    const skip = first && event.id !== undefined && event.id === open.cursor
    first = false
    if (skip) return
    taken++
    if (event.id !== undefined) cursor = event.id
    if (!windowOpen) {
      windowOpen = true
      void endOfWindow().then(send)
    }
    const id = event.id
    if (event.parseError !== undefined) {
      const issue = { message: event.parseError, code: 'parse' }
      items.push(
        id === undefined
          ? { kind: 'rejected', reason: 'parse', issue }
          : { kind: 'rejected', id, reason: 'parse', issue },
      )
      return
    }
    const data = event.data
    const type =
      data !== null && typeof data === 'object' ? (data as { type?: unknown }).type : undefined
    const mapHere = type !== 'patch' && type !== 'replace' && options.map !== undefined
    if (type !== 'patch' && type !== 'replace' && !mapHere && open.hasMap) {
      items.push(id === undefined ? { kind: 'chunk', data } : { kind: 'chunk', data, id })
      return
    }
    try {
      // Without the state: a replace chunk's shape is checked here, its ops are built on the main thread.
      const changes = chunkToChanges(data, NO_STATE, {
        statusKey: open.statusKey,
        ...(mapHere ? { map: options.map } : {}),
      })
      if (type === 'replace') {
        items.push(id === undefined ? { kind: 'chunk', data } : { kind: 'chunk', data, id })
        return
      }
      if (id !== undefined) for (const change of changes) change.id ??= id
      if (!checkInWorker(changes)) {
        items.push({ kind: 'changes', changes })
        return
      }
      // One change per chunk (a patch chunk, most mapped ones): consecutive chunks share an item.
      const last = items.at(-1)
      if (changes.length === 1 && last?.kind === 'checked' && last.chunks === last.changes.length) {
        last.chunks++
        last.changes.push(changes[0]!)
      } else items.push({ kind: 'checked', chunks: 1, changes })
    } catch (err) {
      const issue = { message: messageOf(err), code: codeOf(err) }
      items.push(
        id === undefined
          ? { kind: 'rejected', reason: 'bad_request', issue }
          : { kind: 'rejected', id, reason: 'bad_request', issue },
      )
    }
  }

  const run = async () => {
    const response = await fetchStream(open.url, {
      cursor: open.cursor,
      signal: controller.signal,
      headers: open.headers,
      sinceParam: open.sinceParam,
      fetch: globalThis.fetch.bind(globalThis),
    })
    if (closed) return
    post({ type: 'opened', connection })
    const events = readSource(response, {
      format: open.format ?? undefined,
      maxQueued: open.maxBatch * 4,
      maxEventBytes: open.maxEventBytes ?? undefined,
    })
    for await (const event of events) {
      if (closed) return
      take(event)
      if (taken >= open.maxBatch) await send()
    }
  }

  void run().then(
    async () => {
      await send()
      if (!closed) post({ type: 'ended', connection })
    },
    async (err: unknown) => {
      await send()
      if (!closed) post({ type: 'failed', connection, message: messageOf(err) })
    },
  )

  return {
    applied() {
      acked?.()
      acked = null
    },
    close() {
      closed = true
      acked?.()
      controller.abort()
    },
  }
}
