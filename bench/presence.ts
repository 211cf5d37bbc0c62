// Presence benchmark: one publisher sends N updates to a room that 50 clients
// joined, (a) as presence sets, (b) as durable changes on the memory store,
// (c) as durable changes on SQLite (synchronous=FULL). The clients run in a
// forked process, the relay in this one; the table shows the medians of
// interleaved rounds.
//
//   npx tsx bench/presence.ts          (5 rounds)
//   npx tsx bench/presence.ts 9        (9 rounds)
import { fork } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Socket } from 'socket.io-client'
import { createRelay } from '../server/createRelay'
import { memoryStore } from '../server/store/memoryStore'
import { sqliteStore } from '../server/store/sqliteStore'
import { formatHlc } from '../src/hlc'
import { ask, deliveries, openSocket } from './_rawClients'

type Kind = 'presence' | 'durable'
interface RunSpec {
  port: number
  kind: Kind
  clients: number
  updates: number
  window: number
}
interface RunResult {
  deliveries: number
  elapsedMs: number
  p50: number
  p99: number
}

const CLIENTS = 50
const UPDATES = 400
const WINDOW = 16

// ---- client process -------------------------------------------------------

async function runClients(spec: RunSpec): Promise<RunResult> {
  const url = `http://127.0.0.1:${spec.port}`
  const open = () => openSocket(url)
  const got = deliveries(spec.clients * spec.updates)
  const receive = got.receive
  const receivers: Socket[] = []
  for (let i = 0; i < spec.clients; i++) {
    const s = await open()
    await ask(s, 'join', { room: 'bench', clientId: `r${i}`, schemaVersion: 1 })
    if (spec.kind === 'presence') {
      s.on('presence', (e: { type: string; entry?: { value?: { t?: unknown } } }) => {
        if (e.type === 'join' || e.type === 'update') receive(e.entry?.value?.t)
      })
    } else {
      s.on('change', (c: { ops: { value?: { t?: unknown } }[] }) => receive(c.ops[0]?.value?.t))
    }
    receivers.push(s)
  }
  const publisher = await open()
  await ask(publisher, 'join', { room: 'bench', clientId: 'pub', schemaVersion: 1 })
  const start = performance.now()
  let next = 1
  const sendOne = async (): Promise<void> => {
    while (next <= spec.updates) {
      const i = next++
      const value = { cursor: i, t: performance.now() }
      if (spec.kind === 'presence') {
        await ask(publisher, 'presence:set', { room: 'bench', value })
      } else {
        const ts = formatHlc({ wall: Date.now(), counter: i, node: 'pub' })
        const change = { id: `pub:${i}`, ts, ops: [{ op: 'add', path: ['cursor'], value }] }
        await ask(publisher, 'push', { room: 'bench', changes: [change] })
      }
    }
  }
  await Promise.all(Array.from({ length: spec.window }, sendOne))
  await got.done
  const elapsedMs = performance.now() - start
  for (const s of [...receivers, publisher]) s.disconnect()
  return { deliveries: got.delivered, elapsedMs, p50: got.at(0.5), p99: got.at(0.99) }
}

// ---- relay process --------------------------------------------------------

interface Variant {
  name: string
  kind: Kind
  store: 'memory' | 'sqlite'
}

const VARIANTS: Variant[] = [
  { name: '(a) presence', kind: 'presence', store: 'memory' },
  { name: '(b) durable, memory store', kind: 'durable', store: 'memory' },
  { name: '(c) durable, sqlite', kind: 'durable', store: 'sqlite' },
]

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

async function runOnce(v: Variant, dir: string, n: number, updates: number): Promise<RunResult> {
  const store =
    v.store === 'memory' ? memoryStore() : sqliteStore({ file: join(dir, `bench${n}.db`) })
  const relay = createRelay({
    store,
    // The bench measures delivery, not the per-socket limits.
    limits: { messagesPerSecond: 1e9, changesPerSecond: 1e9, presencePerSecond: 1e9 },
  })
  const port = await relay.listen(0, '127.0.0.1')
  try {
    return await runInChild({ port, kind: v.kind, clients: CLIENTS, updates, window: WINDOW })
  } finally {
    await relay.close()
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

async function main(): Promise<void> {
  const rounds = Math.max(5, Number(process.argv[2]) || 5)
  const dir = mkdtempSync(join(tmpdir(), 'patchwire-bench-presence-'))
  const results = new Map<string, RunResult[]>(VARIANTS.map((v) => [v.name, []]))
  let n = 0
  try {
    // One untimed pass each, so JIT warm-up does not land on whichever variant runs first.
    for (const v of VARIANTS) await runOnce(v, dir, ++n, 100)
    // Interleaved: every round runs each variant once, so drift on a shared machine hits all alike.
    for (let r = 0; r < rounds; r++) {
      for (const v of VARIANTS) results.get(v.name)!.push(await runOnce(v, dir, ++n, UPDATES))
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  const rows: string[][] = []
  let presenceRate = 0
  for (const v of VARIANTS) {
    const runs = results.get(v.name)!
    const updatesPerSec = median(runs.map((r) => (r.deliveries / CLIENTS / r.elapsedMs) * 1000))
    const deliveriesPerSec = median(runs.map((r) => (r.deliveries / r.elapsedMs) * 1000))
    if (v.kind === 'presence') presenceRate = updatesPerSec
    rows.push([
      v.name,
      Math.round(updatesPerSec).toLocaleString('en-US'),
      Math.round(deliveriesPerSec).toLocaleString('en-US'),
      (updatesPerSec / presenceRate).toFixed(2),
      median(runs.map((r) => r.p50)).toFixed(1),
      median(runs.map((r) => r.p99)).toFixed(1),
    ])
  }
  const head = ['traffic', 'updates/s', 'deliveries/s', 'vs presence', 'p50 ms', 'p99 ms']
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')
  console.log(line(head))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const r of rows) console.log(line(r))
  console.log(
    `\n${CLIENTS} clients, ${UPDATES} updates per run, ${WINDOW} in flight; medians of ${rounds} interleaved rounds; machine shared, numbers noisy.`,
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
