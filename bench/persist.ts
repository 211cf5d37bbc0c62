/**
 * What persisting costs: a state of 20 top-level keys (~10 MB of JSON), one
 * key changing per update, 1,000 updates, each written before the next.
 * Baseline: redux-persist v6 with its default settings (persistReducer +
 * persistStore, JSON serialize, no throttle) on an in-memory engine. Measured:
 * characters written, ms spent in serialization + storage calls, wall ms from
 * dispatch to stored, and the time to first interactive state (load + hydrate).
 *
 * Run: npx tsx bench/persist.ts [updates]
 */
import { configureStore, type Reducer, type UnknownAction } from '@reduxjs/toolkit'
import { type PersistConfig, persistReducer, persistStore } from 'redux-persist'
import { patchwireMiddleware } from '../middleware/index'
import { getStoreHub } from '../middleware/storeHub'
import { patchwireReducer } from '../slices/index'
import { createMemoryStorage, PATCHWIRE_KEY, persist, withPatchwire } from '../src/index'

const KEYS = 20
const ITEMS = 2_800 // ~500 KB of JSON per key
const UPDATES = Number(process.argv[2] ?? 1_000)

interface Item {
  id: number
  name: string
  note: string
  qty: number
}
type AppState = Record<string, { items: Item[] }>

function initialState(): AppState {
  const state: AppState = {}
  for (let k = 0; k < KEYS; k++) {
    const items: Item[] = []
    for (let i = 0; i < ITEMS; i++)
      items.push({ id: i, name: `item ${k}.${i}`, note: 'x'.repeat(120), qty: i })
    state[`part${k}`] = { items }
  }
  return state
}

const update = (n: number) => ({
  type: 'update',
  key: `part${n % KEYS}`,
  index: (n * 7919) % ITEMS,
  qty: n,
})

// A plain reducer (no Immer, no dev checks) so both variants pay the same, small, reducer cost.
const appReducer = (state: AppState = initialState(), action: UnknownAction): AppState => {
  if (action.type !== 'update') return state
  const { key, index, qty } = action as unknown as ReturnType<typeof update>
  const part = state[key]
  if (!part) return state
  const items = part.items.slice()
  items[index] = { ...(items[index] as Item), qty }
  return { ...state, [key]: { items } }
}

interface Meter {
  chars: number
  ms: number
}

function metered(meter: Meter) {
  const inner = createMemoryStorage()
  let onSet: (() => void) | undefined
  const time = <T>(fn: () => T): T => {
    const t0 = performance.now()
    try {
      return fn()
    } finally {
      meter.ms += performance.now() - t0
    }
  }
  const storage = {
    inner,
    getItem: (k: string) => time(() => inner.getItem(k)),
    setItem: (k: string, v: string) => {
      meter.chars += v.length
      time(() => inner.setItem(k, v))
      onSet?.()
    },
    removeItem: (k: string) => time(() => inner.removeItem(k)),
    nextSet: () =>
      new Promise<void>((resolve) => {
        onSet = () => {
          onSet = undefined
          resolve()
        }
      }),
  }
  const serialize = (v: unknown) => time(() => JSON.stringify(v))
  return { storage, serialize }
}

const noDevChecks = { immutableCheck: false, serializableCheck: false } as const

async function reduxPersistRun() {
  const meter: Meter = { chars: 0, ms: 0 }
  const { storage, serialize } = metered(meter)
  // redux-persist calls storage with promises; its own engines are async too.
  const engine = {
    getItem: async (k: string) => storage.getItem(k),
    setItem: async (k: string, v: string) => storage.setItem(k, v),
    removeItem: async (k: string) => storage.removeItem(k),
  }
  // redux-persist's types declare `serialize` as a boolean, yet v6 calls a function given there
  // instead of JSON.stringify; it is JSON.stringify itself, only timed.
  const config = { key: 'root', storage: engine, serialize } as unknown as PersistConfig<unknown>
  const makeStore = () => {
    const store = configureStore({
      reducer: persistReducer(config, appReducer as Reducer) as Reducer,
      middleware: (gDM) => gDM(noDevChecks),
    })
    const persistor = persistStore(store)
    const ready = new Promise<void>((resolve) => {
      const check = () => persistor.getState().bootstrapped && resolve()
      persistor.subscribe(check)
      check()
    })
    return { store, persistor, ready }
  }
  const first = makeStore()
  await first.ready
  await first.persistor.flush()
  meter.chars = 0
  meter.ms = 0
  const t0 = performance.now()
  for (let n = 0; n < UPDATES; n++) {
    const written = storage.nextSet()
    first.store.dispatch(update(n))
    await written
  }
  const wall = performance.now() - t0
  first.persistor.pause()
  const l0 = performance.now()
  const second = makeStore()
  await second.ready
  const load = performance.now() - l0
  second.persistor.pause()
  return { ...meter, wall, load }
}

async function patchwireRun() {
  const meter: Meter = { chars: 0, ms: 0 }
  const { storage, serialize } = metered(meter)
  // withPatchwire over a flat reducer, so the 20 parts are top-level keys (one entry each).
  const makeFlatStore = () => {
    const saver = persist({ storage, key: 'bench', serialize, debounceMs: 60_000 })
    const flat: Reducer = (state: Record<string, unknown> | undefined, action: UnknownAction) => {
      const { [PATCHWIRE_KEY]: status, ...rest } = state ?? {}
      const next = appReducer(state === undefined ? undefined : (rest as AppState), action)
      return { ...next, [PATCHWIRE_KEY]: patchwireReducer(status as never, action) }
    }
    const store = configureStore({
      reducer: withPatchwire(flat),
      middleware: (gDM) => gDM(noDevChecks).prepend(saver.middleware).concat(patchwireMiddleware()),
    })
    return { store, saver, ready: getStoreHub(store).whenHydrated() }
  }
  const first = makeFlatStore()
  await first.ready
  meter.chars = 0
  meter.ms = 0
  const t0 = performance.now()
  for (let n = 0; n < UPDATES; n++) {
    first.store.dispatch(update(n))
    await first.saver.flush()
  }
  const wall = performance.now() - t0
  await first.saver.stop()
  const l0 = performance.now()
  const second = makeFlatStore()
  await second.ready
  const load = performance.now() - l0
  await second.saver.stop()
  return { ...meter, wall, load }
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits })

async function main() {
  const sample = JSON.stringify(initialState()).length
  console.log(
    `state: ${KEYS} keys, ${fmt(sample / 1e6, 1)} MB of JSON; ${UPDATES} updates, one key each`,
  )
  const base = await reduxPersistRun()
  const ours = await patchwireRun()
  const rows = [
    ['chars written', base.chars, ours.chars],
    ['serialize + storage ms', base.ms, ours.ms],
    ['wall ms, dispatch → stored', base.wall, ours.wall],
    ['first interactive state ms', base.load, ours.load],
  ] as const
  console.log(`| metric | redux-persist v6 | patchwire | ratio (redux-persist / patchwire) |`)
  console.log('|---|---:|---:|---:|')
  for (const [name, b, o] of rows)
    console.log(`| ${name} | ${fmt(b)} | ${fmt(o)} | ${fmt(b / o, 1)}× |`)
}

await main()
