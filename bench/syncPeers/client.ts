// One client of the sync-peers bench, in its own process: a writer or a
// reader of one peer (raw Socket.IO, Yjs over y-websocket, Logux, a Redux
// Toolkit store wired to Socket.IO by hand, patchwire sync). The parent drives it over IPC: `begin` a phase, `write` at a rate,
// `end` to collect the CPU it used (process.cpuUsage) and, for a reader, the
// latency of every change it received (wall clock of one machine).
import { ClientNode, Log, MemoryStore, WsConnection } from '@logux/core'
import { configureStore, createSlice, type Middleware, type PayloadAction } from '@reduxjs/toolkit'
import { io } from 'socket.io-client'
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { patchwireMiddleware } from '../../middleware/patchwireMiddleware'
import { sync } from '../../middleware/sync/sync'
import { patchwireReducer } from '../../slices/patchwireSlice'
import { applyPatch } from '../../src/actions'
import { PATCHWIRE_KEY, withPatchwire } from '../../src/withPatchwire'

export type ClientKind = 'raw' | 'yjs' | 'logux' | 'rtk' | 'patchwire'
export type ClientCommand =
  | { cmd: 'begin'; phase: number; expect: number }
  | { cmd: 'write'; phase: number; rate: number; count: number }
  | { cmd: 'end' }
export interface ClientReport {
  cpuUs: number
  received: number
  latenciesMs: number[]
}

/** What each peer's client offers the bench. */
interface Peer {
  write(key: string, value: string): void
  /** Resolves once the writer's own writes are all acknowledged (or at once, for peers without acks). */
  settled(): Promise<void>
}

const [kind, url, role, id] = process.argv.slice(2) as [ClientKind, string, string, string]
const wallMs = () => performance.timeOrigin + performance.now()

let phase = -1
let expected = 0
let received = 0
let latencies: number[] = []
let cpu0 = process.cpuUsage()

/** A value is `phase:index:sentAtMs`. */
function deliver(value: unknown): void {
  if (typeof value !== 'string') return
  const [p, , t] = value.split(':')
  if (Number(p) !== phase) return
  received++
  latencies.push(wallMs() - Number(t))
  if (received === expected) process.send?.({ done: received })
}

async function rawPeer(): Promise<Peer> {
  const socket = io(url, { transports: ['websocket'], forceNew: true })
  socket.on('c', deliver)
  await new Promise((r) => socket.once('connect', () => r(undefined)))
  let unanswered = 0
  let idle: (() => void) | undefined
  return {
    write(_key, value) {
      unanswered++
      socket.emit('w', value, () => {
        if (--unanswered === 0) idle?.()
      })
    },
    settled: () => (unanswered === 0 ? Promise.resolve() : new Promise((r) => (idle = r))),
  }
}

async function yjsPeer(): Promise<Peer> {
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(url, 'r', doc, {
    WebSocketPolyfill: WebSocket as never,
    disableBc: true,
  })
  const map = doc.getMap<string>('m')
  map.observe((event) => {
    if (event.transaction.local) return
    for (const key of event.keysChanged) deliver(map.get(key))
  })
  await new Promise((r) => provider.once('sync', r))
  return { write: (key, value) => map.set(key, value), settled: async () => {} }
}

async function loguxPeer(): Promise<Peer> {
  const nodeId = `u${id}:c${id}`
  const log = new Log({ nodeId, store: new MemoryStore() })
  const node = new ClientNode(nodeId, log, new WsConnection(url, WebSocket), {
    subprotocol: 1,
    // As @logux/client does: only actions marked `sync`, with the meta the server accepts.
    onSend: async (action, meta) =>
      meta.sync ? [action, { id: meta.id, time: meta.time, subprotocol: 1 } as typeof meta] : false,
  })
  log.on('add', (action: { type: string; value?: unknown }, meta: { id: string }) => {
    if (action.type === 'set' && !meta.id.includes(` ${nodeId} `)) deliver(action.value)
  })
  await node.connection.connect()
  await node.waitFor('synchronized')
  await log.add({ type: 'logux/subscribe', channel: 'r' }, { sync: true })
  let unanswered = 0
  let idle: (() => void) | undefined
  log.on('add', (action: { type: string }) => {
    if (action.type === 'logux/processed' && --unanswered === 0) idle?.()
  })
  return {
    write(key, value) {
      unanswered++
      void log.add({ type: 'set', key, value }, { sync: true })
    },
    settled: () => (unanswered === 0 ? Promise.resolve() : new Promise((r) => (idle = r))),
  }
}

const bench = createSlice({
  name: 'bench',
  initialState: {} as Record<string, string>,
  reducers: {
    set(state, action: PayloadAction<{ key: string; value: string }>) {
      state[action.payload.key] = action.payload.value
    },
  },
})

/**
 * The floor of a Redux app: the same slice and reducer as patchwire's client,
 * each write dispatched and then emitted by a middleware of a few lines, each
 * received one dispatched into the reader's store. No ids, order, validation,
 * retries or persistence: what a hand-wired socket does.
 */
async function rtkPeer(): Promise<Peer> {
  const socket = io(url, { transports: ['websocket'], forceNew: true })
  let unanswered = 0
  let idle: (() => void) | undefined
  const emit: Middleware = () => (next) => (action) => {
    const result = next(action)
    if (
      bench.actions.set.match(action) &&
      !(action as { meta?: { remote?: boolean } }).meta?.remote
    ) {
      unanswered++
      socket.emit('w', action.payload, () => {
        if (--unanswered === 0) idle?.()
      })
    }
    return result
  }
  const store = configureStore({
    reducer: { bench: bench.reducer },
    middleware: (gDM) => gDM({ serializableCheck: false, immutableCheck: false }).concat(emit),
  })
  socket.on('c', (payload: { key: string; value: string }) => {
    store.dispatch({ ...bench.actions.set(payload), meta: { remote: true } })
    deliver(store.getState().bench[payload.key])
  })
  await new Promise((r) => socket.once('connect', () => r(undefined)))
  return {
    write: (key, value) => store.dispatch(bench.actions.set({ key, value })),
    settled: () => (unanswered === 0 ? Promise.resolve() : new Promise((r) => (idle = r))),
  }
}

async function patchwirePeer(): Promise<Peer> {
  const socket = io(url, { transports: ['websocket'], forceNew: true })
  const mw = sync({ room: 'r', allowKeys: ['bench'], socket, clientId: `c${id}` })
  const observe: Middleware = () => (next) => (action) => {
    if (applyPatch.match(action)) {
      for (const change of action.payload.changes) {
        if (change.source !== 'sync') continue
        for (const op of change.ops) if (op.path[0] === 'bench') deliver(op.value)
      }
    }
    return next(action)
  }
  const store = configureStore({
    reducer: withPatchwire({ bench: bench.reducer, [PATCHWIRE_KEY]: patchwireReducer }),
    // The bench measures the library, not RTK's development checks.
    middleware: (gDM) =>
      gDM({ serializableCheck: false, immutableCheck: false }).concat(
        patchwireMiddleware(),
        mw.middleware,
        observe,
      ),
  })
  const status = () => store.getState().patchwire.sync.r
  await untilTrue(store, () => status()?.connection === 'live')
  return {
    write: (key, value) => store.dispatch(bench.actions.set({ key, value })),
    settled: () => untilTrue(store, () => status()?.pending === 0),
  }
}

function untilTrue(
  store: { subscribe(l: () => void): () => void },
  check: () => boolean,
): Promise<void> {
  if (check()) return Promise.resolve()
  return new Promise((resolve) => {
    const off = store.subscribe(() => {
      if (!check()) return
      off()
      resolve()
    })
  })
}

/** Writes `count` values at `rate` per second, catching up on each timer turn. */
async function writeAtRate(peer: Peer, p: number, rate: number, count: number): Promise<void> {
  const started = performance.now()
  let done = 0
  while (done < count) {
    const due = Math.min(count, Math.ceil(((performance.now() - started) / 1000) * rate))
    for (; done < due; done++) peer.write(`k${done % 1000}`, `${p}:${done}:${wallMs()}`)
    if (done < count) await new Promise((r) => setTimeout(r, 1))
  }
  await peer.settled()
}

const peers: Record<ClientKind, () => Promise<Peer>> = {
  raw: rawPeer,
  yjs: yjsPeer,
  logux: loguxPeer,
  rtk: rtkPeer,
  patchwire: patchwirePeer,
}
const peer = await peers[kind]()
process.on('message', async (m: ClientCommand) => {
  if (m.cmd === 'begin') {
    phase = m.phase
    expected = m.expect
    received = 0
    latencies = []
    cpu0 = process.cpuUsage()
    process.send?.({ begun: true })
  } else if (m.cmd === 'write') {
    await writeAtRate(peer, m.phase, m.rate, m.count)
    process.send?.({ written: m.count })
  } else {
    const cpu = process.cpuUsage(cpu0)
    const report: ClientReport = { cpuUs: cpu.user + cpu.system, received, latenciesMs: latencies }
    process.send?.({ report })
  }
})
process.on('disconnect', () => process.exit(0))
process.send?.({ ready: role })
