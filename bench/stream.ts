/**
 * What applying a stream costs: chunks of one op each on a state of 10,000
 * entities in an object map. Chunks per second applied by
 *   (a) a naive loop dispatching one hand-written createSlice action per chunk (the baseline),
 *   (b) `stream` with `batch: false` (one applyPatch per chunk),
 *   (c) `stream` with coalescing (one applyPatch per tick, every chunk its own change).
 * The same three rows are repeated on a 10-entity state, where the copy of the
 * map no longer dominates, to show what the stream machinery itself costs.
 * Dev checks (immutable / serializable) are off for every variant.
 *
 * Run: npx tsx bench/stream.ts [chunks for (c)]
 */
import { configureStore, createSlice, type PayloadAction } from '@reduxjs/toolkit'
import { patchwireMiddleware } from '../middleware/patchwireMiddleware'
import { stream } from '../middleware/stream/stream'
import { patchwireReducer } from '../slices/patchwireSlice'
import { PATCHWIRE_KEY, withPatchwire } from '../src/withPatchwire'

const COALESCED = Number(process.argv[2] ?? 100_000)
// (a) and (b) copy the 10,000-key map on every chunk, milliseconds apiece: a
// few hundred chunks give a stable median. On the small state they are cheap.
const SAMPLE_LARGE = 300
const SAMPLE_SMALL = 20_000
const ROUNDS = 3

type ById = Record<string, { id: string; v: number }>

function entities(n: number): ById {
  const byId: ById = {}
  for (let i = 0; i < n; i++) byId[`e${i}`] = { id: `e${i}`, v: 0 }
  return byId
}

function slice(n: number) {
  return createSlice({
    name: 'ents',
    initialState: { byId: entities(n) },
    reducers: {
      valueSet(state, action: PayloadAction<{ id: string; v: number }>) {
        const entity = state.byId[action.payload.id]
        if (entity) entity.v = action.payload.v
      },
    },
  })
}

const keyOf = (i: number, n: number) => `e${(i * 7919) % n}`

function naive(n: number, count: number): number {
  const s = slice(n)
  const store = configureStore({
    reducer: { ents: s.reducer },
    middleware: (gDM) => gDM({ immutableCheck: false, serializableCheck: false }),
  })
  const start = performance.now()
  for (let i = 0; i < count; i++) store.dispatch(s.actions.valueSet({ id: keyOf(i, n), v: i }))
  return count / ((performance.now() - start) / 1000)
}

async function viaStream(n: number, count: number, batch: boolean): Promise<number> {
  const s = slice(n)
  const chunks = Array.from({ length: count }, (_, i) => ({
    type: 'patch' as const,
    ops: [{ op: 'replace' as const, path: ['ents', 'byId', keyOf(i, n), 'v'], value: i }],
  }))
  let release: () => void = () => {}
  const source = (async function* () {
    // Held until the clock starts, so store set-up is not measured.
    await new Promise<void>((resolve) => {
      release = resolve
    })
    yield* chunks
  })()
  const store = configureStore({
    reducer: withPatchwire({ ents: s.reducer, [PATCHWIRE_KEY]: patchwireReducer }),
    middleware: (gDM) =>
      gDM({ immutableCheck: false, serializableCheck: false }).concat(
        patchwireMiddleware(),
        stream({ id: 'bench', source, batch }).middleware,
      ),
  })
  const done = new Promise<void>((resolve) => {
    store.subscribe(() => {
      if (store.getState().patchwire.streams.bench?.state === 'stopped') resolve()
    })
  })
  await new Promise((resolve) => setTimeout(resolve, 10))
  const start = performance.now()
  release()
  await done
  const elapsed = performance.now() - start
  const applied = store.getState().patchwire.counters.applied
  if (applied !== count) throw new Error(`applied ${applied} of ${count} chunks`)
  return count / (elapsed / 1000)
}

async function median(run: () => number | Promise<number>): Promise<number> {
  const values: number[] = []
  for (let r = 0; r < ROUNDS; r++) values.push(await run())
  values.sort((x, y) => x - y)
  return values[Math.floor(values.length / 2)] as number
}

async function table(n: number, sample: number, coalesced: number) {
  const a = await median(() => naive(n, sample))
  const b = await median(() => viaStream(n, sample, false))
  const c = await median(() => viaStream(n, coalesced, true))
  const rows: [string, number, number][] = [
    [`(a) naive slice action per chunk (${sample} chunks)`, a, sample],
    [`(b) stream, batch: false (${sample} chunks)`, b, sample],
    [`(c) stream, coalesced (${coalesced} chunks)`, c, coalesced],
  ]
  console.log(`\n${n.toLocaleString('en')} entities`)
  console.log('| variant | chunks/s | vs (a) | cost vs (a) |')
  console.log('|---|---:|---:|---:|')
  for (const [name, rate] of rows) {
    console.log(
      `| ${name} | ${Math.round(rate).toLocaleString('en')} | ${(rate / a).toFixed(2)}x | ${(a / rate).toFixed(2)}x |`,
    )
  }
}

console.log('bench/stream: chunks of one op each, median of 3 rounds per cell')
console.log('shared machine: numbers are noisy; compare ratios within one run')
await table(10_000, SAMPLE_LARGE, COALESCED)
await table(10, SAMPLE_SMALL, COALESCED)
