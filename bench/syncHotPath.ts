// Hot path of sync: one writer store and 10 reader stores (`sync` middleware,
// production RTK settings), each group in its own process, through the relay
// (memory store) in this process; the baseline is raw Socket.IO clients (emit a
// push, count the broadcasts) against a server that only re-broadcasts.
// Prints CPU per write (writer process) and per delivered change (readers'
// process), paced at a fixed rate, medians of interleaved rounds, with ratios
// against the raw baseline of the same run; then the rate one unpaced writer
// reaches until all 10 readers have every change.
//
//   npx tsx bench/syncHotPath.ts            (5 rounds, 2,000 writes at 400/s)
//   npx tsx bench/syncHotPath.ts 7 4000 800 (rounds, writes, writes/s)
//   BENCH_PROFILE=/tmp/prof …                (a --cpu-prof profile per client process)
//   BENCH_DEBUG=1 …                          (each run's raw figures)
import { fork } from 'node:child_process'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { configureStore, createSlice, type PayloadAction } from '@reduxjs/toolkit'
import { Server } from 'socket.io'
import { io as connectClient, type Socket } from 'socket.io-client'
import { patchwireMiddleware } from '../middleware/patchwireMiddleware'
import { sync } from '../middleware/sync/sync'
import { createRelay } from '../server/createRelay'
import { memoryStore } from '../server/store/memoryStore'
import { patchwireReducer } from '../slices/patchwireSlice'
import { formatHlc } from '../src/hlc'
import { PATCHWIRE_KEY, withPatchwire } from '../src/withPatchwire'
import { interleaved, median, printTable } from './_rounds'

type Variant = 'raw' | 'patchwire'
interface Spec {
  variant: Variant
  port: number
  writes: number
  /** Writes per second; 0: as fast as the writer can. */
  rate: number
  readers: number
}
interface Measured {
  cpuUs: number
  elapsedMs: number
}

const ROOM = 'hot'
const KEYS = 100

const doc = createSlice({
  name: 'doc',
  initialState: { n: 0, values: {} as Record<string, number> },
  reducers: {
    wrote(state, action: PayloadAction<number>) {
      state.n = action.payload
      state.values[`k${action.payload % KEYS}`] = action.payload
    },
  },
})

const open = (port: number): Socket =>
  connectClient(`http://127.0.0.1:${port}`, { transports: ['websocket'], forceNew: true })

function makeStore(port: number) {
  const socket = open(port)
  const mw = sync({ room: ROOM, allowKeys: ['doc'], socket })
  const store = configureStore({
    reducer: withPatchwire({ doc: doc.reducer, [PATCHWIRE_KEY]: patchwireReducer }),
    // As an app in production runs: RTK's development checks off.
    middleware: (gDM) =>
      gDM({ serializableCheck: false, immutableCheck: false }).concat(
        patchwireMiddleware(),
        mw.middleware,
      ),
  })
  return { store, socket, mw }
}
type BenchStore = ReturnType<typeof makeStore>['store']

const waitFor = (store: BenchStore, done: (s: ReturnType<BenchStore['getState']>) => boolean) =>
  new Promise<void>((resolve) => {
    if (done(store.getState())) return resolve()
    const off = store.subscribe(() => {
      if (!done(store.getState())) return
      off()
      resolve()
    })
  })

const settled = (s: {
  patchwire: { sync: Record<string, { connection: string; pending: number } | undefined> }
}) => s.patchwire.sync[ROOM]?.connection === 'live' && s.patchwire.sync[ROOM]?.pending === 0

/** Calls `write(i)` for i = 1..n at `rate` per second (0: all at once, yielding every 64). */
async function paced(n: number, rate: number, write: (i: number) => void): Promise<void> {
  const start = performance.now()
  for (let i = 1; i <= n; i++) {
    if (rate > 0) {
      const due = start + (i * 1000) / rate
      const wait = due - performance.now()
      if (wait > 1) await new Promise((r) => setTimeout(r, wait))
    } else if (i % 64 === 0) await new Promise((r) => setImmediate(r))
    write(i)
  }
}

const cpuSince = (from: NodeJS.CpuUsage): number => {
  const u = process.cpuUsage(from)
  return u.user + u.system
}

// ---- writer process --------------------------------------------------------

async function runWriter(spec: Spec, go: Promise<void>): Promise<Measured> {
  if (spec.variant === 'patchwire') {
    const { store, socket, mw } = makeStore(spec.port)
    await waitFor(store, settled)
    process.send?.({ ready: true })
    await go
    const cpu = process.cpuUsage()
    const start = performance.now()
    const base = store.getState().doc.n
    await paced(spec.writes, spec.rate, (i) => store.dispatch(doc.actions.wrote(base + i)))
    await waitFor(store, settled)
    const m = { cpuUs: cpuSince(cpu), elapsedMs: performance.now() - start }
    mw.stop()
    socket.disconnect()
    return m
  }
  const socket = open(spec.port)
  await new Promise<void>((r) => socket.once('connect', () => r()))
  await new Promise((r) => socket.emit('join', { room: ROOM, clientId: 'w', schemaVersion: 1 }, r))
  process.send?.({ ready: true })
  await go
  const cpu = process.cpuUsage()
  const start = performance.now()
  let acked = 0
  let allAcked: () => void = () => {}
  const done = new Promise<void>((r) => {
    allAcked = r
  })
  await paced(spec.writes, spec.rate, (i) => {
    const change = {
      id: `w:${i}`,
      ts: formatHlc({ wall: Date.now(), counter: i, node: 'w' }),
      ops: [
        { op: 'replace', path: ['doc', 'n'], value: i },
        { op: 'add', path: ['doc', 'values', `k${i % KEYS}`], value: i },
      ],
    }
    socket.emit('push', { room: ROOM, changes: [change] }, () => {
      if (++acked === spec.writes) allAcked()
    })
  })
  await done
  const m = { cpuUs: cpuSince(cpu), elapsedMs: performance.now() - start }
  socket.disconnect()
  return m
}

// ---- readers' process ------------------------------------------------------

async function runReaders(spec: Spec, go: Promise<void>): Promise<Measured> {
  let finished: () => void = () => {}
  const all = new Promise<void>((r) => {
    finished = r
  })
  let left = spec.readers
  const close: (() => void)[] = []
  if (spec.variant === 'patchwire') {
    const stores = Array.from({ length: spec.readers }, () => makeStore(spec.port))
    await Promise.all(stores.map((s) => waitFor(s.store, settled)))
    process.send?.({ ready: true })
    await go
    const cpu = process.cpuUsage()
    const start = performance.now()
    for (const { store } of stores) {
      const target = store.getState().doc.n + spec.writes
      void waitFor(store, (s) => s.doc.n >= target).then(() => {
        if (--left === 0) finished()
      })
    }
    await all
    const m = { cpuUs: cpuSince(cpu), elapsedMs: performance.now() - start }
    for (const s of stores) {
      s.mw.stop()
      s.socket.disconnect()
    }
    return m
  }
  const sockets = Array.from({ length: spec.readers }, () => open(spec.port))
  for (const s of sockets) {
    await new Promise<void>((r) => (s.connected ? r() : s.once('connect', () => r())))
    await new Promise((r) => s.emit('join', { room: ROOM, clientId: 'r', schemaVersion: 1 }, r))
    close.push(() => s.disconnect())
  }
  process.send?.({ ready: true })
  await go
  const cpu = process.cpuUsage()
  const start = performance.now()
  for (const s of sockets) {
    let seen = 0
    s.on('change', () => {
      if (++seen === spec.writes && --left === 0) finished()
    })
  }
  await all
  const m = { cpuUs: cpuSince(cpu), elapsedMs: performance.now() - start }
  for (const c of close) c()
  return m
}

// ---- servers, in this process ---------------------------------------------

async function startServer(variant: Variant): Promise<{ port: number; close(): Promise<void> }> {
  if (variant === 'patchwire') {
    const relay = createRelay({
      store: memoryStore(),
      limits: { messagesPerSecond: 1e9, changesPerSecond: 1e9 },
    })
    return { port: await relay.listen(0, '127.0.0.1'), close: () => relay.close() }
  }
  const http = createServer()
  const io = new Server(http)
  let seq = 0
  io.on('connection', (socket) => {
    socket.on('join', async (req: { room: string }, ack: (r: unknown) => void) => {
      await socket.join(req.room)
      ack({ ok: true, room: req.room, seq, changes: [] })
    })
    socket.on(
      'push',
      (req: { room: string; changes: { id: string; ts: string; ops: unknown[] }[] }, ack) => {
        const results = req.changes.map((c) => {
          seq++
          socket.to(req.room).emit('change', { room: req.room, seq, ...c, origin: 'w' })
          return { id: c.id, seq }
        })
        ;(ack as (r: unknown) => void)({ ok: true, results })
      },
    )
  })
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r))
  return {
    port: (http.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => io.close(() => r())),
  }
}

/** One run: the readers' and the writer's processes against a fresh server. */
async function runOnce(variant: Variant, writes: number, rate: number) {
  const server = await startServer(variant)
  const spec: Spec = { variant, port: server.port, writes, rate, readers: 10 }
  const child = (role: 'writer' | 'readers') => {
    // BENCH_PROFILE=<dir>: a CPU profile per client process (node --cpu-prof).
    const profile = process.env.BENCH_PROFILE
    const p = fork(fileURLToPath(import.meta.url), [`--${role}`, JSON.stringify(spec)], {
      execArgv: [
        '--import',
        'tsx',
        ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []),
      ],
    })
    const ready = new Promise<void>((r) => p.once('message', () => r()))
    const result = new Promise<Measured>((resolve, reject) => {
      p.on('message', (m) => {
        if ((m as { cpuUs?: number }).cpuUs !== undefined) resolve(m as Measured)
      })
      p.once('exit', (code) => code !== 0 && reject(new Error(`${role} exited with ${code}`)))
    })
    return { p, ready, result }
  }
  const readers = child('readers')
  await readers.ready
  const writer = child('writer')
  await writer.ready
  readers.p.send('go')
  writer.p.send('go')
  const [w, r] = await Promise.all([writer.result, readers.result])
  if (process.env.BENCH_DEBUG) console.log(variant, writes, rate, JSON.stringify({ w, r }))
  await server.close()
  return { writer: w, readers: r }
}

async function main(): Promise<void> {
  const [rounds = 5, writes = 2000, rate = 400] = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0)
  // One untimed pass each, so JIT warm-up does not land on whichever variant runs first.
  await runOnce('raw', 200, 0)
  await runOnce('patchwire', 200, 0)
  const runs: Record<Variant, Awaited<ReturnType<typeof runOnce>>[]> = { raw: [], patchwire: [] }
  const fast: Record<Variant, Awaited<ReturnType<typeof runOnce>>[]> = { raw: [], patchwire: [] }
  const into = (out: typeof runs, v: Variant, r: number) => async () => {
    out[v].push(await runOnce(v, writes, r))
    return 0
  }
  await interleaved(rounds, {
    raw: into(runs, 'raw', rate),
    patchwire: into(runs, 'patchwire', rate),
  })
  await interleaved(rounds, { raw: into(fast, 'raw', 0), patchwire: into(fast, 'patchwire', 0) })
  const writerUs = (v: Variant) => median(runs[v].map((r) => r.writer.cpuUs / writes))
  const readerUs = (v: Variant) => median(runs[v].map((r) => r.readers.cpuUs / (writes * 10)))
  const maxRate = (v: Variant) =>
    median(fast[v].map((r) => writes / (Math.max(r.writer.elapsedMs, r.readers.elapsedMs) / 1000)))
  const row = (name: string, f: (v: Variant) => number, digits: number) => [
    name,
    f('raw').toFixed(digits),
    f('patchwire').toFixed(digits),
    `${(f('patchwire') / f('raw')).toFixed(2)}×`,
  ]
  printTable([
    ['measure', 'raw Socket.IO', 'patchwire', 'patchwire / raw'],
    row(`writer CPU µs per write (@${rate}/s)`, writerUs, 0),
    row(`reader CPU µs per delivered change (@${rate}/s)`, readerUs, 1),
    row('writes/s, unpaced writer → 10 readers, all delivered', maxRate, 0),
  ])
  console.log(
    `\n${writes} writes per run, 10 readers in one process, the writer in another, server in this one;` +
      ` medians of ${rounds} interleaved rounds. Unpaced: patchwire batches what queues while a push is in flight, raw sends one message per write.`,
  )
}

const role = process.argv[2]
if (role === '--writer' || role === '--readers') {
  const spec = JSON.parse(process.argv[3]!) as Spec
  const go = new Promise<void>((r) => process.once('message', () => r()))
  const run = role === '--writer' ? runWriter : runReaders
  run(spec, go).then(
    (m) => process.send?.(m, () => process.exit(0)),
    (err: unknown) => {
      console.error(err)
      process.exit(1)
    },
  )
} else {
  await main()
}
