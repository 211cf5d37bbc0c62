/**
 * The main thread's share of a stream read in a worker, in Node, where a CPU
 * profile can see it (`node --cpu-prof`): the batches the stream worker posts for
 * a 10,000-chunk SSE stream are produced first by the worker's own code (untimed),
 * then replayed into a store through `stream({ url, worker })` with a stand-in
 * worker that posts the next batch as soon as the last one is acknowledged. The
 * timed part is everything the page's main thread does for those batches: the
 * message, the parse, the sink's one `applyPatch` per batch and the status.
 * Beside it, the same chunks read in-thread from an SSE body (the baseline).
 * Medians of interleaved rounds.
 *
 * Run: npx tsx bench/workerSink.ts [chunks] [rounds]
 */
import { configureStore, createSlice } from '@reduxjs/toolkit'
import { streamStart } from '../middleware/stream/actions'
import { stream } from '../middleware/stream/stream'
import type { StreamChangeInput, StreamWorkerLike } from '../middleware/stream/types'
import type { FromWorkerMessage } from '../middleware/stream/worker/protocol'
import { PATCHWIRE_KEY, patchwireMiddleware, patchwireReducer, withPatchwire } from '../src/index'
import { interleaved, median, printTable } from './_rounds'
import { quote, record } from './_streamChunks'
import { captureBatches, sseText } from './_workerBatches'

const CHUNKS = Number(process.argv[2] ?? 10_000)
const ROUNDS = Math.max(5, Number(process.argv[3] ?? 7))
const URL_ = 'http://127.0.0.1/feed'

const mapQuote = (chunk: unknown): StreamChangeInput | null => {
  const q = chunk as { symbol?: unknown; last: number }
  if (typeof q?.symbol !== 'string') return null
  return { ops: [{ op: 'add', path: ['feed', 'prices', q.symbol], value: q.last }] }
}

const WORKLOADS = {
  patches: { describe: 'patch chunks, each applied whole', chunk: quote, map: undefined },
  quotes: { describe: 'quote records (~1.6 kB) mapped to one field', chunk: record, map: mapQuote },
} as const
type Workload = keyof typeof WORKLOADS

const sseBody = (workload: Workload) =>
  sseText(Array.from({ length: CHUNKS }, (_, i) => WORKLOADS[workload].chunk(i + 1)))

const sseResponse = (text: string) =>
  new Response(text, { headers: { 'content-type': 'text/event-stream' } })

/** A stand-in for the worker: replays captured messages, the next batch once the last is applied. */
function replayWorker(messages: readonly FromWorkerMessage[]): StreamWorkerLike {
  const listeners: ((event: { data: unknown }) => void)[] = []
  let next = 0
  const emit = () => {
    // Up to and including the next batch (or the end).
    while (next < messages.length) {
      const message = messages[next++]!
      for (const l of listeners) l({ data: message })
      if (message.type === 'batch') return
    }
  }
  return {
    postMessage(message) {
      const type = (message as { type: string }).type
      if (type === 'open' || type === 'applied') setImmediate(emit)
    },
    addEventListener(type, listener) {
      if (type === 'message') listeners.push(listener as unknown as (e: { data: unknown }) => void)
    },
    terminate() {},
  }
}

function createStore(
  mode: 'thread' | 'worker',
  workload: Workload,
  messages: FromWorkerMessage[],
  text: string,
) {
  const feed = createSlice({
    name: 'feed',
    initialState: { items: [] as number[], prices: {} as Record<string, unknown> },
    reducers: {},
  })
  const map = WORKLOADS[workload].map
  const instance = stream({
    id: 'feed',
    autoStart: false,
    ...(mode === 'worker'
      ? { url: URL_, worker: () => replayWorker(messages) }
      : { source: sseResponse(text), reconnect: false, ...(map ? { map } : {}) }),
  })
  return configureStore({
    reducer: withPatchwire({ feed: feed.reducer, [PATCHWIRE_KEY]: patchwireReducer }),
    middleware: (gDM) =>
      gDM({ serializableCheck: false, immutableCheck: false }).concat(
        patchwireMiddleware(),
        instance.middleware,
      ),
  })
}

/** ms from start to the last cursor applied. */
async function sample(
  mode: 'thread' | 'worker',
  workload: Workload,
  messages: FromWorkerMessage[],
  text: string,
) {
  const store = createStore(mode, workload, messages, text)
  const last = String(CHUNKS)
  const done = new Promise<void>((resolve) => {
    const unsubscribe = store.subscribe(() => {
      if (store.getState().patchwire.streams.feed?.cursor !== last) return
      unsubscribe()
      resolve()
    })
  })
  // CPU time rather than wall time: the wait for a core on a shared machine is not work.
  const start = process.cpuUsage()
  store.dispatch(streamStart({ id: 'feed' }))
  await done
  const used = process.cpuUsage(start)
  const ms = (used.user + used.system) / 1000
  if (store.getState().patchwire.counters.rejected !== 0)
    throw new Error('bench sanity: rejections')
  return ms
}

console.log(
  `bench/workerSink: main-thread ms for a ${CHUNKS.toLocaleString('en')}-chunk SSE stream, median of ${ROUNDS} interleaved rounds; node ${process.version}, shared machine`,
)
for (const workload of Object.keys(WORKLOADS) as Workload[]) {
  const text = sseBody(workload)
  const messages = await captureBatches(text, WORKLOADS[workload].map)
  const batches = messages.filter((m) => m.type === 'batch') as Extract<
    FromWorkerMessage,
    { type: 'batch' }
  >[]
  const bytes = batches.reduce((n, m) => n + m.items.length, 0)
  const samples = await interleaved(ROUNDS, {
    'in-thread (baseline)': () => sample('thread', workload, messages, text),
    'worker batches': () => sample('worker', workload, messages, text),
  })
  const thread = median(samples['in-thread (baseline)'])
  const worker = median(samples['worker batches'])
  console.log(
    `\n${CHUNKS.toLocaleString('en')} ${WORKLOADS[workload].describe}: ${batches.length} batches, ${(bytes / 1e6).toFixed(2)} MB posted`,
  )
  printTable([
    ['variant', 'main-thread ms', 'ratio'],
    ['in-thread (baseline)', thread.toFixed(1), '1.00x'],
    ['worker batches', worker.toFixed(1), `${(thread / worker).toFixed(2)}x`],
  ])
}
