// The batches the stream worker posts for a stream, produced by the worker's own code
// in this process (bench/workerSink.ts replays them in Node, bench/streamWorker.ts in
// the page, for the main thread's floor).
import type { StreamChangeInput } from '../middleware/stream/types'
import type { FromWorkerMessage } from '../middleware/stream/worker/protocol'
import { serveConnection } from '../middleware/stream/worker/workerConnection'
import { PATCHWIRE_KEY } from '../src/index'

/** The SSE text of `chunks`, ids from 1. */
export function sseText(chunks: readonly unknown[]): string {
  let text = ''
  for (let i = 0; i < chunks.length; i++)
    text += `id: ${i + 1}\ndata: ${JSON.stringify(chunks[i])}\n\n`
  return text
}

/**
 * Runs the worker's code on the SSE text (its fetch answered from memory, each batch
 * acknowledged at once) and returns what it posts, in order.
 */
export async function captureBatches(
  text: string,
  map?: (chunk: unknown) => StreamChangeInput | null,
): Promise<FromWorkerMessage[]> {
  const pageFetch = globalThis.fetch
  globalThis.fetch = (async () =>
    new Response(text, { headers: { 'content-type': 'text/event-stream' } })) as typeof fetch
  try {
    const posted: FromWorkerMessage[] = []
    await new Promise<void>((resolve, reject) => {
      const served = serveConnection(
        {
          type: 'open',
          connection: 1,
          url: 'http://127.0.0.1/feed',
          cursor: null,
          format: null,
          headers: {},
          sinceParam: 'since',
          maxBatch: 1000,
          maxEventBytes: null,
          batchMs: 0,
          hasMap: false,
          statusKey: PATCHWIRE_KEY,
        },
        map ? { map } : {},
        (message) => {
          posted.push(message)
          if (message.type === 'batch') queueMicrotask(() => served.applied())
          else if (message.type === 'ended') resolve()
          else if (message.type === 'failed') reject(new Error(message.message))
        },
      )
    })
    return posted
  } finally {
    globalThis.fetch = pageFetch
  }
}
