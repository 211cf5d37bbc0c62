import { configureStore, createSlice, type Middleware } from '@reduxjs/toolkit'
import { streamStart, streamStop } from '../../../middleware/stream/actions'
import { storeSink } from '../../../middleware/stream/sink'
import { stream } from '../../../middleware/stream/stream'
import { applyWorkerBatch } from '../../../middleware/stream/worker/applyWorkerBatch'
import { decodeBatch } from '../../../middleware/stream/worker/batchCodec'
import { streamStatusChanged } from '../../../slices/statusActions'
import {
  applyPatch,
  PATCHWIRE_KEY,
  patchRejected,
  patchwireMiddleware,
  patchwireReducer,
  withPatchwire,
} from '../../../src/index'
import { vouchChecked } from '../../../src/vouchedChanges'
import { mapQuote } from './quote'

// A page with one stream from `?feed=` (SSE or NDJSON by the response's type), read in
// a worker with `?mode=worker` or in this thread otherwise. The tests and the
// benchmark drive it through `window.app`.
const params = new URLSearchParams(location.search)
const inWorker = params.get('mode') === 'worker'
const feedUrl = params.get('feed') ?? '/feed'
// With `?map=quotes`, quote records are mapped: by the page's `map`, or in the worker by quotesWorker.ts.
const mapQuotes = params.get('map') === 'quotes'

const feed = createSlice({
  name: 'feed',
  initialState: { items: [] as number[], prices: {} as Record<string, unknown> },
  reducers: {},
})

const app = {
  workersCreated: 0,
  // Fetches of the feed made by this thread: none when the worker reads it.
  mainThreadFetches: 0,
  applyPatches: 0,
  applyPatchMs: 0,
  animationFrames: 0,
  rejected: [] as { id: string | undefined; reason: string }[],
}
// Counts the animation frames this thread asks for: RTK's autoBatchEnhancer reads
// requestAnimationFrame when the store is made, below.
const pageFrame = window.requestAnimationFrame.bind(window)
window.requestAnimationFrame = (callback) => {
  app.animationFrames++
  return pageFrame(callback)
}
const pageFetch = globalThis.fetch.bind(globalThis)
globalThis.fetch = (input, init) => {
  if (String(input instanceof Request ? input.url : input).includes(feedUrl))
    app.mainThreadFetches++
  return pageFetch(input, init)
}

// Records rejections, and how many applyPatch actions the sink ran and for how long:
// the part of a stream's cost that stays on this thread wherever the stream is read.
const observe: Middleware = () => (next) => (action) => {
  if (patchRejected.match(action)) {
    app.rejected.push({ id: action.payload.change.id, reason: action.payload.reason })
  }
  if (!applyPatch.match(action)) return next(action)
  const start = performance.now()
  const result = next(action)
  app.applyPatches++
  app.applyPatchMs += performance.now() - start
  return result
}

const store = configureStore({
  reducer: withPatchwire({ feed: feed.reducer, [PATCHWIRE_KEY]: patchwireReducer }),
  middleware: (gDM) =>
    gDM({ serializableCheck: false, immutableCheck: false }).concat(
      observe,
      patchwireMiddleware(),
      stream({
        id: 'feed',
        url: feedUrl,
        autoStart: params.get('autoStart') !== 'false',
        backoff: { baseMs: 10, capMs: 50 },
        ...(inWorker
          ? {
              worker: () => {
                app.workersCreated++
                return mapQuotes
                  ? new Worker(new URL('./quotesWorker.ts', import.meta.url), { type: 'module' })
                  : new Worker(
                      new URL('../../../middleware/stream/worker/streamWorker.ts', import.meta.url),
                      { type: 'module' },
                    )
              },
            }
          : mapQuotes
            ? { map: mapQuote }
            : {}),
      }).middleware,
    ),
})

Object.assign(window, {
  app: Object.assign(app, {
    state: () => ({
      items: store.getState().feed.items,
      prices: store.getState().feed.prices,
      status: store.getState().patchwire.streams.feed,
      counters: store.getState().patchwire.counters,
    }),
    // Resolves inside the page, so waiting does not add polling tasks to what is measured.
    whenCursor: (cursor: string) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (store.getState().patchwire.streams.feed?.cursor !== cursor) return
          unsubscribe()
          resolve()
        }
        const unsubscribe = store.subscribe(check)
        check()
      }),
    // The main thread's floor for a worker stream, for the benchmark: the batches the
    // worker would post, decoded and applied as the runner does (one applyPatch and one
    // status per batch, each in a task of its own), with no worker, fetch or message.
    // `parseOnly` stops at JSON.parse of each batch's text: the part no encoding avoids.
    replay: async (batches: { items: string; cursor?: string }[], parseOnly = false) => {
      const context = {
        dispatch: store.dispatch,
        sink: storeSink(store, undefined),
        options: {},
        batch: true,
        now: Date.now,
      }
      let chunksApplied = 0
      for (const batch of batches) {
        await new Promise((resolve) => setTimeout(resolve, 0))
        if (parseOnly) {
          JSON.parse(batch.items)
          continue
        }
        const items = decodeBatch(batch.items)
        vouchChecked(items)
        chunksApplied += applyWorkerBatch(items, batch.cursor, context).chunks
        store.dispatch(
          streamStatusChanged({
            id: 'feed',
            state: 'live',
            cursor: batch.cursor ?? null,
            chunksApplied,
          }),
        )
      }
    },
    start: () => store.dispatch(streamStart({ id: 'feed' })),
    stop: () => store.dispatch(streamStop({ id: 'feed' })),
  }),
})
