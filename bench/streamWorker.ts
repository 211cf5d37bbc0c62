/**
 * What a stream costs the main thread, read in a Web Worker vs in the page:
 * a real SSE endpoint serves CHUNKS chunks to a Vite-built page in Debian's Chromium, which reads them
 * with `stream({ url })` (in-thread, the baseline) or `stream({ url, worker })`.
 * Main-thread busy time is the CPU time of the renderer main thread's
 * top-level tasks in a Chrome trace (`tdur` of ThreadControllerImpl::RunTask
 * on CrRendererMain), from the start action to the last cursor applied
 * (waited for inside the page): CPU rather than wall time, because on a
 * shared machine the two threads also wait for each other's core. Rounds
 * alternate the two modes on fresh pages; the table shows medians.
 *
 * Two workloads: patch chunks applied whole (the sink's own cost stays on the
 * main thread in both modes and bounds the gain), and rich records of which
 * `map` keeps one field (mapped in the page, or in the worker by the app's
 * worker module).
 *
 * Run: npm run bench:worker -- [chunks] [rounds]
 */
import { fileURLToPath } from 'node:url'
import type { Browser } from 'playwright-core'
import type { StreamChangeInput } from '../middleware/stream/types'
import { buildTestPage, launchChromium } from '../test/e2e/harness'
import { mapQuote } from '../test/e2e/streamWorkerApp/quote'
import { startStreamPageServer } from '../test/e2e/streamWorkerServer'
import { quote, record } from './_streamChunks'
import { captureBatches, sseText } from './_workerBatches'

const CHUNKS = Number(process.argv[2] ?? 10_000)
const ROUNDS = Number(process.argv[3] ?? 7)
const APP = fileURLToPath(new URL('../test/e2e/streamWorkerApp', import.meta.url))
const DIST = fileURLToPath(new URL('../test-output/stream-worker-bench', import.meta.url))

/**
 * `floor` is no stream at all: the batches the worker would post for the same chunks
 * (made by the worker's own code in this process, before the round) are handed to the
 * page first, then decoded and applied there as the runner applies them, one task per
 * batch. It is what the main thread must do wherever the stream is read: the changes
 * become objects in the page's state, one applyPatch and one status update per batch.
 * `parse` is the first step of the floor alone: JSON.parse of each posted text.
 */
type Mode = 'thread' | 'worker' | 'floor' | 'parse'
type Workload = 'patches' | 'quotes'

interface Round {
  /** CPU time of the page's main thread. */
  mainMs: number
  /** CPU time of the worker's thread (0 in the page). */
  workerMs: number
  /** Time in the sink (applyPatch through the reducer): main-thread work in both modes. */
  sinkMs: number
  wallMs: number
}

const WORKLOADS: Record<
  Workload,
  {
    describe: string
    chunk: (i: number) => unknown
    query: string
    /** The worker module's map (the floor's batches are made with it). */
    map?: (chunk: unknown) => StreamChangeInput | null
  }
> = {
  patches: { describe: 'patch chunks, each applied whole', chunk: quote, query: '' },
  quotes: {
    describe: 'quote records (~1.6 kB) mapped to one field',
    chunk: record,
    query: '&map=quotes',
    map: mapQuote,
  },
}

/** Per workload, the batches the worker posts for its chunks (the floor's input). */
const batches = {} as Record<Workload, { items: string; cursor?: string }[]>

interface TraceEvent {
  ph: string
  name: string
  pid: number
  tid: number
  tdur?: number
  args?: { name?: string }
}

// Thread CPU time (`tdur`) of the top-level tasks, per thread name: on a shared
// machine a task's wall duration also counts the time its thread waited for a core.
function cpuByThread(trace: { traceEvents?: TraceEvent[] } | TraceEvent[]): Map<string, number> {
  const events = Array.isArray(trace) ? trace : (trace.traceEvents ?? [])
  const names = new Map<string, string>()
  for (const e of events) {
    if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, e.args?.name ?? '')
  }
  const cpu = new Map<string, number>()
  for (const e of events) {
    if (e.ph !== 'X' || e.name !== 'ThreadControllerImpl::RunTask' || e.tdur === undefined) continue
    const thread = names.get(`${e.pid}:${e.tid}`) ?? ''
    cpu.set(thread, (cpu.get(thread) ?? 0) + e.tdur / 1000)
  }
  return cpu
}

async function measure(
  browser: Browser,
  base: string,
  mode: Mode,
  workload: Workload,
): Promise<Round> {
  const page = await browser.newPage()
  try {
    await page.goto(
      `${base}/?mode=${mode === 'floor' || mode === 'parse' ? 'thread' : mode}&feed=/feed/${workload}&autoStart=false${WORKLOADS[workload].query}`,
    )
    if (mode === 'floor' || mode === 'parse') {
      await page.evaluate((posted) => {
        ;(window as unknown as { posted: unknown }).posted = posted
      }, batches[workload])
    }
    // Playwright sets up its evaluation helpers in the page on the first evaluate: that
    // DevTools message costs the main thread about a millisecond, so it happens before the
    // trace in every mode, not inside it in the modes that had no evaluate yet.
    await page.evaluate(() => 0)
    await browser.startTracing(page, { categories: ['toplevel'] })
    const { wallMs, sinkMs } = await page.evaluate(
      async ({ last, floor, parseOnly }) => {
        const { app, posted } = window as unknown as {
          posted: { items: string; cursor?: string }[]
          app: {
            start(): void
            replay(batches: { items: string; cursor?: string }[], parseOnly: boolean): Promise<void>
            whenCursor(c: string): Promise<void>
            applyPatchMs: number
          }
        }
        const start = performance.now()
        if (floor) await app.replay(posted, parseOnly)
        else app.start()
        if (!parseOnly) await app.whenCursor(last)
        return { wallMs: performance.now() - start, sinkMs: app.applyPatchMs }
      },
      {
        last: String(CHUNKS),
        floor: mode === 'floor' || mode === 'parse',
        parseOnly: mode === 'parse',
      },
    )
    const cpu = cpuByThread(JSON.parse((await browser.stopTracing()).toString()))
    return {
      mainMs: cpu.get('CrRendererMain') ?? 0,
      workerMs: cpu.get('DedicatedWorker thread') ?? 0,
      sinkMs,
      wallMs,
    }
  } finally {
    await page.close()
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

async function run(browser: Browser, base: string, workload: Workload) {
  const rounds: Record<Mode, Round[]> = { thread: [], worker: [], floor: [], parse: [] }
  const modes: Mode[] = ['thread', 'worker', 'floor', 'parse']
  // One warm-up of each, so the HTTP cache and compiled code do not favour a later mode.
  for (const mode of modes) await measure(browser, base, mode, workload)
  for (let r = 0; r < ROUNDS; r++) {
    // Rotated, so no mode always runs first or last in a round.
    for (let i = 0; i < modes.length; i++) {
      const mode = modes[(r + i) % modes.length] as Mode
      rounds[mode].push(await measure(browser, base, mode, workload))
    }
  }
  const row = (mode: Mode) => ({
    main: median(rounds[mode].map((r) => r.mainMs)),
    sink: median(rounds[mode].map((r) => r.sinkMs)),
    worker: median(rounds[mode].map((r) => r.workerMs)),
    wall: median(rounds[mode].map((r) => r.wallMs)),
  })
  const thread = row('thread')
  const worker = row('worker')
  const floor = row('floor')
  const parse = row('parse')
  console.log(`\n${CHUNKS.toLocaleString('en')} ${WORKLOADS[workload].describe}`)
  console.log(
    '| variant | main-thread CPU ms | applyPatch ms (main) | worker-thread CPU ms | wall ms |',
  )
  console.log('|---|---:|---:|---:|---:|')
  for (const [name, v] of [
    ['in the page (baseline)', thread],
    ['in a worker', worker],
    ['floor: the posted batches applied in the page, no stream', floor],
    ['of which JSON.parse of the posted texts alone', parse],
  ] as const) {
    console.log(
      `| ${name} | ${v.main.toFixed(1)} | ${v.sink.toFixed(1)} | ${v.worker.toFixed(1)} | ${v.wall.toFixed(1)} |`,
    )
  }
  console.log(
    `| ratio (page / worker) | ${(thread.main / worker.main).toFixed(2)}x | ${(thread.sink / worker.sink).toFixed(2)}x | | ${(thread.wall / worker.wall).toFixed(2)}x |`,
  )
  console.log(
    `| ratio (page / floor): the most a worker could reach | ${(thread.main / floor.main).toFixed(2)}x | ${(thread.sink / floor.sink).toFixed(2)}x | | |`,
  )
}

async function main() {
  await buildTestPage(APP, DIST)
  const server = await startStreamPageServer(DIST)
  for (const workload of Object.keys(WORKLOADS) as Workload[]) {
    const feed = server.feed(workload)
    const chunks = Array.from({ length: CHUNKS }, (_, i) => WORKLOADS[workload].chunk(i + 1))
    for (const chunk of chunks) feed.append(chunk)
    const posted = await captureBatches(sseText(chunks), WORKLOADS[workload].map)
    batches[workload] = posted.flatMap((m) =>
      m.type === 'batch'
        ? [m.cursor === undefined ? { items: m.items } : { items: m.items, cursor: m.cursor }]
        : [],
    )
  }
  const browser = await launchChromium()
  console.log(
    `bench/streamWorker: ${CHUNKS.toLocaleString('en')}-chunk SSE streams in Chromium, median of ${ROUNDS} interleaved rounds`,
  )
  console.log('shared machine: numbers are noisy; compare ratios within one run')
  try {
    for (const workload of Object.keys(WORKLOADS) as Workload[])
      await run(browser, server.url, workload)
  } finally {
    await browser.close()
    await server.close()
  }
}

await main()
