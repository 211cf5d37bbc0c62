import {
  configureStore,
  createSlice,
  type Middleware,
  type PayloadAction,
  type UnknownAction,
} from '@reduxjs/toolkit'
import { afterEach } from 'vitest'
import { z } from 'zod'
import { getStoreHub } from '../../middleware/storeHub'
import {
  PATCHWIRE_KEY,
  type PersistInstance,
  type PersistOptions,
  type PersistStorage,
  patchwireMiddleware,
  patchwireReducer,
  persist,
  withPatchwire,
} from '../../src/index'

export const cart = createSlice({
  name: 'cart',
  initialState: { items: [] as string[] },
  reducers: {
    added: (state, action: PayloadAction<string>) => {
      state.items.push(action.payload)
    },
  },
})

export const user = createSlice({
  name: 'user',
  initialState: { name: 'anon', token: '', prefs: { lang: 'en', card: '' } },
  reducers: {
    signedIn: (state, action: PayloadAction<{ name: string; token: string }>) => {
      state.name = action.payload.name
      state.token = action.payload.token
    },
    prefsChanged: (state, action: PayloadAction<{ lang: string; card: string }>) => {
      state.prefs = action.payload
    },
  },
})

export const settings = createSlice({
  name: 'settings',
  initialState: { theme: 'light' as string },
  reducers: {
    themeSet: (state, action: PayloadAction<string>) => {
      state.theme = action.payload
    },
  },
})

export const AppSchema = z.object({
  cart: z.object({ items: z.array(z.string()) }),
  user: z.object({
    name: z.string(),
    token: z.string(),
    prefs: z.object({ lang: z.string(), card: z.string() }),
  }),
  settings: z.object({ theme: z.enum(['light', 'dark']) }),
})

/** Flush and teardown of one test store, through its persist instance. */
export type SaverControls = PersistInstance

const open: SaverControls[] = []
// Every store a test builds is stopped after it, so no debounce or load timer outlives the test.
afterEach(async () => {
  for (const saver of open.splice(0)) await saver.stop()
})

/** Options for `makeStore`: persist options without storage/key defaults. */
export type TestPersistOptions = Partial<PersistOptions> & { storage: PersistStorage }

/** A store with the three test slices, the status slice, patchwireMiddleware and persist. */
export function makeStore(options: TestPersistOptions, withSchema = true) {
  const actions: UnknownAction[] = []
  const recorder: Middleware = () => (next) => (action) => {
    actions.push(action as UnknownAction)
    return next(action)
  }
  const instance = persist({ key: 'app', debounceMs: 60_000, ...options })
  const store = configureStore({
    reducer: withPatchwire(
      {
        cart: cart.reducer,
        user: user.reducer,
        settings: settings.reducer,
        [PATCHWIRE_KEY]: patchwireReducer,
      },
      withSchema ? { schema: AppSchema } : {},
    ),
    middleware: (gDM) => gDM().prepend(instance.middleware).concat(recorder, patchwireMiddleware()),
  })
  const saver = instance
  open.push(saver)
  return { store, saver, actions, hydrated: () => getStoreHub(store).whenHydrated() }
}

/** Wraps a storage to count calls per key; `async` makes every call settle on a later macrotask. */
export function countingStorage(inner: PersistStorage, async = false) {
  const sets: string[] = []
  const removes: string[] = []
  const later = <T>(fn: () => T): T | Promise<T> =>
    async
      ? new Promise<T>((resolve, reject) =>
          setImmediate(() => {
            try {
              resolve(fn())
            } catch (e) {
              reject(e)
            }
          }),
        )
      : fn()
  const storage: PersistStorage = {
    getItem: (key) => later(() => inner.getItem(key)) as ReturnType<PersistStorage['getItem']>,
    setItem: (key, value) => {
      sets.push(key)
      return later(() => inner.setItem(key, value))
    },
    removeItem: (key) => {
      removes.push(key)
      return later(() => inner.removeItem(key))
    },
  }
  return { storage, sets, removes }
}

/** The stored payload of one entry, parsed (the line after the header). */
export function payloadOf(text: string | null | undefined): unknown {
  if (typeof text !== 'string') return undefined
  return JSON.parse(text.slice(text.indexOf('\n') + 1))
}

/** Writes a patchwire entry the way `persist` does, for tests that start from stored data. */
export function storedEntry(
  data: unknown,
  version = 1,
  at = '000000000000001-000000-seed',
  writer = 'seed',
): string {
  return `${JSON.stringify({ v: version, at, writer })}\n${JSON.stringify(data)}`
}
