/**
 * What persisting costs: a state of 20 top-level keys (~10 MB of JSON), one
 * key changing per update, 1,000 updates, each written before the next.
 * Baseline: redux-persist v6 with its default settings (persistReducer +
 * persistStore, JSON serialize, no throttle) on an in-memory engine. Measured:
 * characters written, ms spent in serialization + storage calls, wall ms from
 * dispatch to stored, and the time to first interactive state (load + hydrate).
 *
 * Then the first load alone, on 20 keys and ~5 MB of JSON, next to redux-persist and
 * redux-remember on the same in-memory async storage, and the floor: the 20 reads and
 * JSON.parse calls any of them must make. Medians of interleaved rounds. The same two
 * stores with nothing stored show the fixed part of a first load (creating the store).
 * The same again with every read answering after 1 ms counts storage round trips.
 * Run with --expose-gc (as `npm run bench:persist` does) so each sample starts on a
 * collected heap rather than paying for the garbage the variant before it left.
 *
 * Run: npx tsx --expose-gc bench/persist.ts [updates] [rounds]
 */
import { combineReducers, configureStore, type Reducer, type UnknownAction } from '@reduxjs/toolkit'
import { type PersistConfig, persistReducer, persistStore } from 'redux-persist'
import { REMEMBER_REHYDRATED, rememberEnhancer, rememberReducer } from 'redux-remember'
import { patchwireMiddleware } from '../middleware/index'
import { getStoreHub } from '../middleware/storeHub'
import { patchwireReducer } from '../slices/index'
import { createMemoryStorage, PATCHWIRE_KEY, persist, withPatchwire } from '../src/index'
import { interleaved, median, printTable } from './_rounds'

const KEYS = 20
const ITEMS = 2_800 // ~500 KB of JSON per key
const UPDATES = Number(process.argv[2] ?? 1_000)
const LOAD_ROUNDS = Math.max(5, Number(process.argv[3] ?? 7))
const LOAD_ITEMS = 1_400 // ~250 KB of JSON per key, ~5 MB in all

interface Item {
  id: number
  name: string
  note: string
  qty: number
}
type AppState = Record<string, { items: Item[] }>

function initialState(itemCount = ITEMS): AppState {
  const state: AppState = {}
  for (let k = 0; k < KEYS; k++) {
    const items: Item[] = []
    for (let i = 0; i < itemCount; i++)
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

// ---- First load: each library reads what it wrote itself, from the same kind of storage.

// When set, every storage read answers after this many ms, as one IndexedDB round trip does.
let roundTripMs = 0

/** An in-memory storage engine whose calls resolve asynchronously, like IndexedDB or AsyncStorage. */
function asyncStorage(data = new Map<string, string>()) {
  return {
    data,
    getItem: async (k: string) => {
      const ms = roundTripMs
      if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms))
      return data.get(k) ?? null
    },
    setItem: async (k: string, v: string) => {
      data.set(k, v)
    },
    removeItem: async (k: string) => {
      data.delete(k)
    },
  }
}

const loadState = initialState(LOAD_ITEMS)
const partKeys = Object.keys(loadState)
// One slice per key, empty until `fill` puts the data in: a store that shows the data after
// its first load got it from storage.
const fill = { type: 'fill' }
const loadReducers: Record<string, Reducer<{ items: Item[] }>> = Object.fromEntries(
  partKeys.map((k) => [
    k,
    (state: { items: Item[] } = { items: [] }, action: UnknownAction) =>
      action.type === 'fill' ? loadState[k]! : state,
  ]),
)
const loadReducer = combineReducers(loadReducers)

/** Fails the bench when a library's first load did not bring the stored state back. */
function assertLoaded(name: string, state: Record<string, unknown>) {
  for (const k of partKeys) {
    const part = state[k] as { items?: Item[] } | undefined
    const last = part?.items?.[LOAD_ITEMS - 1]
    if (part?.items?.length !== LOAD_ITEMS || last?.name !== `item ${k.slice(4)}.${LOAD_ITEMS - 1}`)
      throw new Error(
        `bench sanity: ${name} did not restore ${k}: ${JSON.stringify(part)?.slice(0, 200)}`,
      )
  }
}

async function reduxPersistLoader() {
  const storage = asyncStorage()
  const config = { key: 'root', storage } as PersistConfig<AppState>
  const makeStore = async () => {
    const store = configureStore({
      reducer: persistReducer(config, loadReducer as Reducer<AppState>) as Reducer,
      middleware: (gDM) => gDM(noDevChecks),
    })
    const persistor = persistStore(store)
    await new Promise<void>((resolve) => {
      const check = () => persistor.getState().bootstrapped && resolve()
      persistor.subscribe(check)
      check()
    })
    return { store, persistor }
  }
  const first = await makeStore()
  first.store.dispatch(fill)
  await first.persistor.flush()
  first.persistor.pause()
  return async () => {
    const t0 = performance.now()
    const { store, persistor } = await makeStore()
    const ms = performance.now() - t0
    persistor.pause()
    assertLoaded('redux-persist', store.getState())
    return ms
  }
}

async function reduxRememberLoader(nothingStored = false) {
  const storage = asyncStorage()
  const makeStore = async () => {
    let rehydrated!: () => void
    const ready = new Promise<void>((resolve) => {
      rehydrated = resolve
    })
    // redux-remember dispatches its rehydration below the middleware; the reducer sees it.
    const seen: Reducer<AppState> = (state, action) => {
      if (action.type === REMEMBER_REHYDRATED) queueMicrotask(rehydrated)
      return loadReducer(state, action)
    }
    const store = configureStore({
      reducer: rememberReducer(seen as Reducer),
      middleware: (gDM) => gDM(noDevChecks),
      enhancers: (gDE) => gDE().concat(rememberEnhancer(storage, partKeys)),
    })
    await ready
    return store
  }
  const first = await makeStore()
  first.dispatch(fill)
  // redux-remember writes on its own schedule (throttled); wait until every part is stored.
  while (partKeys.some((k) => !storage.data.has(`@@remember-${k}`)))
    await new Promise((resolve) => setTimeout(resolve, 10))
  if (nothingStored) storage.data.clear()
  return async () => {
    const t0 = performance.now()
    const store = await makeStore()
    const ms = performance.now() - t0
    if (!nothingStored) assertLoaded('redux-remember', store.getState())
    return ms
  }
}

async function patchwireLoader(nothingStored = false) {
  const storage = asyncStorage()
  const makeStore = async () => {
    const saver = persist({ storage, key: 'bench' })
    const store = configureStore({
      reducer: withPatchwire({ ...loadReducers, [PATCHWIRE_KEY]: patchwireReducer }),
      middleware: (gDM) => gDM(noDevChecks).prepend(saver.middleware).concat(patchwireMiddleware()),
    })
    await getStoreHub(store).whenHydrated()
    return { store, saver }
  }
  const first = await makeStore()
  first.store.dispatch(fill)
  await first.saver.stop()
  if (nothingStored) storage.data.clear()
  return async () => {
    const t0 = performance.now()
    const { store, saver } = await makeStore()
    const ms = performance.now() - t0
    await saver.stop()
    if (!nothingStored) assertLoaded('patchwire', store.getState())
    return ms
  }
}

/** The floor: the reads and parses every library must do, and nothing else. */
function floorLoader() {
  const storage = asyncStorage(new Map(partKeys.map((k) => [k, JSON.stringify(loadState[k])])))
  return async () => {
    const t0 = performance.now()
    const texts = await Promise.all(partKeys.map((k) => storage.getItem(k)))
    const state = Object.fromEntries(partKeys.map((k, i) => [k, JSON.parse(texts[i]!)]))
    const ms = performance.now() - t0
    assertLoaded('floor', state)
    return ms
  }
}

async function firstLoad(readMs: number) {
  const mb = JSON.stringify(loadState).length / 1e6
  roundTripMs = readMs
  const where =
    readMs === 0
      ? 'in-memory async storage'
      : `storage whose every read answers after ${readMs} ms (a round trip, as with IndexedDB)`
  console.log(
    `\nfirst load: ${KEYS} keys, ${fmt(mb, 1)} MB of JSON, ${where}; median of ${LOAD_ROUNDS} interleaved rounds (store creation until hydrated)`,
  )
  const samples = await interleaved(LOAD_ROUNDS, {
    floor: floorLoader(),
    'redux-persist v6': await reduxPersistLoader(),
    'redux-remember': await reduxRememberLoader(),
    patchwire: await patchwireLoader(),
    // The fixed part of a first load: creating the store and finding nothing stored.
    'redux-remember, nothing stored': await reduxRememberLoader(true),
    'patchwire, nothing stored': await patchwireLoader(true),
  })
  roundTripMs = 0
  const floor = median(samples.floor)
  const remember = median(samples['redux-remember'])
  const rows = [['variant', 'ms', 'vs floor', 'vs redux-remember']]
  for (const [name, values] of Object.entries(samples)) {
    const ms = median(values)
    rows.push([
      name,
      ms.toFixed(1),
      `${(ms / floor).toFixed(2)}x`,
      `${(ms / remember).toFixed(2)}x`,
    ])
  }
  printTable(rows)
}

async function writes() {
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

if (UPDATES > 0) await writes()
await firstLoad(0)
await firstLoad(1)
