// Client CPU per synced slice action, in its own process: an entity slice of
// ENTITIES entities updated COUNT times, one action at a time (paced) or ten
// at once (bursts), each step waiting until the actions are settled. `kind`:
// plain RTK (nothing synced), RTK with a minimal middleware that emits each
// action and awaits its answer (the floor of any sync), or patchwire sync.
import {
  configureStore,
  createEntityAdapter,
  createSlice,
  type Middleware,
  type PayloadAction,
} from '@reduxjs/toolkit'
import { io } from 'socket.io-client'
import { patchwireMiddleware } from '../../middleware/patchwireMiddleware'
import { sync } from '../../middleware/sync/sync'
import { patchwireReducer } from '../../slices/patchwireSlice'
import { PATCHWIRE_KEY, withPatchwire } from '../../src/withPatchwire'

export type SliceKind = 'plain' | 'emitAck' | 'patchwire'
export type SliceMode = 'paced' | 'burst'

const [kind, url, room, entitiesArg, mode, countArg] = process.argv.slice(2) as [
  SliceKind,
  string,
  string,
  string,
  SliceMode,
  string,
]
const entities = Number(entitiesArg)
const count = Number(countArg)

interface Item {
  id: string
  n: number
}
const adapter = createEntityAdapter<Item>()
const items = createSlice({
  name: 'items',
  initialState: adapter.setAll(
    adapter.getInitialState(),
    Array.from({ length: entities }, (_, i) => ({ id: `e${i}`, n: 0 })),
  ),
  reducers: {
    itemSet(state, action: PayloadAction<Item>) {
      adapter.updateOne(state, { id: action.payload.id, changes: { n: action.payload.n } })
    },
  },
})

/** Resolves once every action so far is settled (answered, acknowledged). */
type Settled = () => Promise<void>

function plainStore(): { dispatch: (a: unknown) => void; settled: Settled } {
  const store = configureStore({
    reducer: { items: items.reducer },
    middleware: (gDM) => gDM({ serializableCheck: false, immutableCheck: false }),
  })
  return { dispatch: store.dispatch, settled: () => new Promise((r) => setImmediate(r)) }
}

async function emitAckStore(): Promise<{ dispatch: (a: unknown) => void; settled: Settled }> {
  const socket = io(url, { transports: ['websocket'], forceNew: true })
  await new Promise((r) => socket.once('connect', () => r(undefined)))
  let unanswered = 0
  let idle: (() => void) | undefined
  const emitAndAwait: Middleware = () => (next) => (action) => {
    const result = next(action)
    unanswered++
    socket.emit('a', action, () => {
      if (--unanswered === 0) idle?.()
    })
    return result
  }
  const store = configureStore({
    reducer: { items: items.reducer },
    middleware: (gDM) =>
      gDM({ serializableCheck: false, immutableCheck: false }).concat(emitAndAwait),
  })
  return {
    dispatch: store.dispatch,
    settled: () => (unanswered === 0 ? Promise.resolve() : new Promise((r) => (idle = r))),
  }
}

async function patchwireStore(): Promise<{ dispatch: (a: unknown) => void; settled: Settled }> {
  const socket = io(url, { transports: ['websocket'], forceNew: true })
  const mw = sync({ room, allowKeys: ['items'], socket })
  const store = configureStore({
    reducer: withPatchwire({ items: items.reducer, [PATCHWIRE_KEY]: patchwireReducer }),
    middleware: (gDM) =>
      gDM({ serializableCheck: false, immutableCheck: false }).concat(
        patchwireMiddleware(),
        mw.middleware,
      ),
  })
  const status = () => store.getState().patchwire.sync[room]
  const until = (check: () => boolean): Promise<void> =>
    check()
      ? Promise.resolve()
      : new Promise((resolve) => {
          const off = store.subscribe(() => {
            if (check()) {
              off()
              resolve()
            }
          })
        })
  // Joined, and the slice's first state is in the room: only the updates are measured.
  await until(() => status()?.connection === 'live' && status()?.pending === 0)
  return { dispatch: store.dispatch, settled: () => until(() => status()?.pending === 0) }
}

const stores = { plain: async () => plainStore(), emitAck: emitAckStore, patchwire: patchwireStore }
const store = await stores[kind]()
const step = mode === 'burst' ? 10 : 1
const cpu0 = process.cpuUsage()
for (let i = 0; i < count; ) {
  for (let j = 0; j < step && i < count; j++, i++) {
    store.dispatch(items.actions.itemSet({ id: `e${(i * 7919) % entities}`, n: i + 1 }))
  }
  await store.settled()
}
const cpu = process.cpuUsage(cpu0)
process.send?.({ cpuPerActionUs: (cpu.user + cpu.system) / count })
process.on('disconnect', () => process.exit(0))
