// Fan-out benchmark: one publisher pushes N changes to a room that M clients
// joined; the clients run in a forked process, the servers in this one.
// Compares (a) a raw Socket.IO server that only re-broadcasts, (b) the
// patchwire relay on the memory store, (c) the relay on SQLite (synchronous=FULL).
//
//   npx tsx bench/relay.ts            (all sizes)
//   npx tsx bench/relay.ts 10 100     (only these M)
import { fork } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Server } from 'socket.io'
import type { Socket } from 'socket.io-client'
import { createRelay } from '../server/createRelay'
import { memoryStore } from '../server/store/memoryStore'
import { sqliteStore } from '../server/store/sqliteStore'
import { formatHlc } from '../src/hlc'
import { ask, deliveries, openSocket } from './_rawClients'

interface RunSpec {
  port: number
  clients: number
  changes: number
  window: number
}
interface RunResult {
  deliveries: number
  elapsedMs: number
  p50: number
  p99: number
}

const SIZES: [clients: number, changes: number][] = [
  [10, 2000],
  [100, 400],
  [500, 100],
]
const WINDOW = 16

// ---- client process -------------------------------------------------------

async function runClients(spec: RunSpec): Promise<RunResult> {
  const url = `http://127.0.0.1:${spec.port}`
  const open = () => openSocket(url)
  const got = deliveries(spec.clients * spec.changes)
  const receivers: Socket[] = []
  for (let i = 0; i < spec.clients; i++) {
    const s = await open()
    await ask(s, 'join', { room: 'bench', clientId: `r${i}`, schemaVersion: 1 })
    s.on('change', (c: { ops: { value?: unknown }[] }) => got.receive(c.ops[0]?.value))
    receivers.push(s)
  }
  const publisher = await open()
  await ask(publisher, 'join', { room: 'bench', clientId: 'pub', schemaVersion: 1 })
  const start = performance.now()
  let next = 1
  const pushOne = async (): Promise<void> => {
    while (next <= spec.changes) {
      const i = next++
      const ts = formatHlc({ wall: Date.now(), counter: i, node: 'pub' })
      const change = {
        id: `pub:${i}`,
        ts,
        ops: [{ op: 'add', path: [`k${i % 64}`], value: performance.now() }],
      }
      await ask(publisher, 'push', { room: 'bench', changes: [change] })
    }
  }
  await Promise.all(Array.from({ length: spec.window }, pushOne))
  await got.done
  const elapsedMs = performance.now() - start
  for (const s of [...receivers, publisher]) s.disconnect()
  return { deliveries: got.delivered, elapsedMs, p50: got.at(0.5), p99: got.at(0.99) }
}

// ---- server process -------------------------------------------------------

interface Variant {
  name: string
  start(): Promise<{ port: number; close(): Promise<void> }>
}

function rawServer(): Variant['start'] {
  return async () => {
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
        (
          req: { room: string; changes: { id: string; ts: string; ops: unknown[] }[] },
          ack: (r: unknown) => void,
        ) => {
          const results = req.changes.map((c) => {
            seq++
            io.to(req.room).emit('change', {
              room: req.room,
              seq,
              id: c.id,
              origin: 'pub',
              ts: c.ts,
              ops: c.ops,
            })
            return { id: c.id, seq }
          })
          ack({ ok: true, results })
        },
      )
    })
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r))
    return {
      port: (http.address() as AddressInfo).port,
      close: () => new Promise<void>((r) => io.close(() => r())),
    }
  }
}

function relayServer(kind: 'memory' | 'sqlite', dir: string): Variant['start'] {
  let n = 0
  return async () => {
    const store =
      kind === 'memory' ? memoryStore() : sqliteStore({ file: join(dir, `bench${++n}.db`) })
    const relay = createRelay({
      store,
      limits: { messagesPerSecond: 1e9, changesPerSecond: 1e9 },
    })
    return { port: await relay.listen(0, '127.0.0.1'), close: () => relay.close() }
  }
}

function runInChild(spec: RunSpec): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--clients', JSON.stringify(spec)], {
      execArgv: ['--import', 'tsx'],
    })
    child.once('message', (m) => resolve(m as RunResult))
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`client process exited with ${code}`))
    })
  })
}

async function main(): Promise<void> {
  const only = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0)
  const sizes = only.length > 0 ? SIZES.filter(([m]) => only.includes(m)) : SIZES
  const dir = mkdtempSync(join(tmpdir(), 'patchwire-bench-'))
  const variants: Variant[] = [
    { name: '(a) raw socket.io', start: rawServer() },
    { name: '(b) relay memory', start: relayServer('memory', dir) },
    { name: '(c) relay sqlite', start: relayServer('sqlite', dir) },
  ]
  const rows: string[][] = []
  try {
    // One untimed pass each, so JIT warm-up does not land on whichever variant runs first.
    for (const v of variants) {
      const server = await v.start()
      await runInChild({ port: server.port, clients: 10, changes: 300, window: WINDOW })
      await server.close()
    }
    for (const [clients, changes] of sizes) {
      let rawRate = 0
      for (const v of variants) {
        const server = await v.start()
        const cpu = process.cpuUsage()
        const r = await runInChild({ port: server.port, clients, changes, window: WINDOW })
        const used = process.cpuUsage(cpu)
        await server.close()
        const rate = (r.deliveries / r.elapsedMs) * 1000
        if (v.name.startsWith('(a)')) rawRate = rate
        rows.push([
          String(clients),
          String(changes),
          v.name,
          Math.round(rate).toLocaleString('en-US'),
          (rate / rawRate).toFixed(2),
          r.p50.toFixed(1),
          r.p99.toFixed(1),
          (((used.user + used.system) / 1000 / changes) * 1000).toFixed(0),
        ])
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  const head = [
    'M',
    'N',
    'server',
    'deliveries/s',
    'vs raw',
    'p50 ms',
    'p99 ms',
    'server CPU µs/change',
  ]
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')
  console.log(line(head))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const r of rows) console.log(line(r))
  console.log(
    `\npublisher keeps ${WINDOW} pushes in flight; one change (one op) per push; machine shared, numbers noisy.`,
  )
}

if (process.argv[2] === '--clients') {
  runClients(JSON.parse(process.argv[3]!) as RunSpec).then(
    (result) => {
      process.send?.(result, () => process.exit(0))
    },
    (err: unknown) => {
      console.error(err)
      process.exit(1)
    },
  )
} else {
  await main()
}
