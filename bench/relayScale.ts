// Scale-out benchmark of relay nodes on one Redis (AOF, appendfsync always:
// durable before ack), every node its own process and all clients in one
// more, so a change's latency is measured on one clock from push to delivery.
//
//   (a) hot room: one room, receivers spread over K nodes, one writer per
//       node, each keeping WINDOW pushes in flight; every node appending
//       (the conditional append, racing) against one writer per room
//       (`redisOwnership`: the lease holder appends, the others forward).
//   (b) many rooms: ROOMS rooms × 3 clients, the clients of a room spread
//       over K nodes (round robin), every client pushing WRITES changes one
//       after the other, with one writer per room.
//
// Medians of ROUNDS interleaved rounds (every variant once per round, the
// order rotating), ratios against the hot room on one node in the same round.
//
//   npm run bench:scale             (PATCHWIRE_BENCH_ROUNDS=5 by default;
//                                    PATCHWIRE_BENCH_ONLY=rooms runs the variants named so;
//                                    PATCHWIRE_BENCH_APPENDFSYNC=everysec relaxes Redis's fsync)
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { io as connectClient, type Socket } from 'socket.io-client'
import { createRelay } from '../server/createRelay'
import { redisOwnership } from '../server/ownership/redisOwnership'
import { redisAdapter } from '../server/redisAdapter'
import { redisStore } from '../server/store/redisStore'
import { formatHlc } from '../src/hlc'
import { startRedisServer } from '../test/redis/redisServer'

const ROUNDS = Number(process.env.PATCHWIRE_BENCH_ROUNDS ?? 5)
const HOT_RECEIVERS = 24
const HOT_CHANGES = 600
const WINDOW = 16
const ROOMS = 1000
const PER_ROOM = 3
const WRITES = 2

interface NodeSpec {
  url: string
  ownership: boolean
}
type Load =
  | { kind: 'hot'; receivers: number; changes: number; window: number }
  | { kind: 'rooms'; rooms: number; perRoom: number; writes: number }
interface ClientSpec {
  urls: string[]
  load: Load
}
interface NodeReport {
  cpuUs: number
  /** Changes rolled back and judged again because another node appended first. */
  redone: number
}
interface RunResult {
  /** Distinct changes delivered, per socket. */
  deliveries: number
  /** CPU of the clients' process during the run. */
  clientCpuUs: number
  /** Changes a socket received again. */
  duplicates: number
  /** Pushes answered `unavailable` and pushed again. */
  repushed: number
  expected: number
  /** Deliveries per node, by the index of the node the receiving socket is on. */
  perNode: number[]
  changes: number
  elapsedMs: number
  p50: number
  p99: number
}

// ---- relay node process ----------------------------------------------------

async function runNode(spec: NodeSpec): Promise<void> {
  const store = redisStore(spec.url)
  const fanout = redisAdapter(store.client)
  const relay = createRelay({
    store,
    adapter: fanout.adapter,
    limits: { messagesPerSecond: 1e9, changesPerSecond: 1e9 },
    // What went wrong, if anything, shows on the bench's stderr.
    log: (e) => {
      if (e.level === 'error' || e.level === 'warn') console.error(JSON.stringify(e).slice(0, 300))
    },
    ...(spec.ownership ? { ownership: redisOwnership(store) } : {}),
  })
  const report: NodeReport = { cpuUs: 0, redone: 0 }
  let counting = false
  relay.observe({
    redone: (_room, n) => {
      if (counting) report.redone += n
    },
  })
  const port = await relay.listen(0, '127.0.0.1')
  let cpu = process.cpuUsage()
  process.on('message', (m) => {
    if (m === 'begin') {
      counting = true
      cpu = process.cpuUsage()
      process.send?.('begun')
    } else if (m === 'end') {
      counting = false
      const used = process.cpuUsage(cpu)
      report.cpuUs = used.user + used.system
      process.send?.(report)
    } else if (m === 'stop') {
      void relay
        .close()
        .then(() => fanout.close())
        .then(() => process.exit(0))
    }
  })
  process.send?.({ port })
}

// ---- client process ----------------------------------------------------------

const open = (url: string): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const s = connectClient(url, { transports: ['websocket'], reconnection: false, forceNew: true })
    s.once('connect', () => resolve(s))
    s.once('connect_error', reject)
  })
const ask = (s: Socket, event: string, req: unknown): Promise<unknown> =>
  new Promise((resolve) => s.emit(event, req, resolve))

const change = (client: string, i: number) => ({
  id: `${client}:${i}`,
  ts: formatHlc({ wall: Date.now(), counter: i, node: client }),
  // Each writer writes keys of its own: no op is stale, every change reaches every receiver.
  ops: [{ op: 'add', path: [`${client}k${i % 64}`], value: performance.now() }],
})

/** Pushes refused `unavailable` (no owner reachable in time, a store call failed) and pushed again. */
let repushed = 0

/** Pushes until accepted, as a sync client does: `unavailable` is pushed again. */
async function pushed(s: Socket, room: string, c: ReturnType<typeof change>): Promise<void> {
  for (;;) {
    const ack = (await ask(s, 'push', { room, changes: [c] })) as {
      ok: boolean
      results?: { seq?: number; reason?: string }[]
    }
    if (ack.ok && ack.results?.[0]?.seq !== undefined) return
    repushed++
    await new Promise((r) => setTimeout(r, 20))
  }
}

async function runClients(spec: ClientSpec): Promise<void> {
  const latencies: number[] = []
  const perNode = spec.urls.map(() => 0)
  let delivered = 0
  let allDelivered: () => void = () => {}
  const done = new Promise<void>((resolve) => {
    allDelivered = resolve
  })
  const sockets: Socket[] = []
  let expected = 0
  let duplicates = 0
  const receive = (s: Socket, node: number) => {
    // A change pushed again after an `unavailable` that had been stored is broadcast again: count it once.
    const seen = new Set<number>()
    s.on('change', (c: { seq: number; ops: { value: number }[] }) => {
      if (seen.has(c.seq)) {
        duplicates++
        return
      }
      seen.add(c.seq)
      latencies.push(performance.now() - (c.ops[0]?.value ?? 0))
      perNode[node]!++
      if (++delivered === expected) allDelivered()
    })
  }
  let work: () => Promise<void>
  let changes: number
  const { load } = spec
  if (load.kind === 'hot') {
    for (let i = 0; i < load.receivers; i++) {
      const node = i % spec.urls.length
      const s = await open(spec.urls[node]!)
      await ask(s, 'join', { room: 'hot', clientId: `r${i}`, schemaVersion: 1 })
      receive(s, node)
      sockets.push(s)
    }
    const writers = await Promise.all(spec.urls.map((url) => open(url)))
    sockets.push(...writers)
    await Promise.all(
      writers.map((w, n) => ask(w, 'join', { room: 'hot', clientId: `w${n}`, schemaVersion: 1 })),
    )
    changes = load.changes
    expected = load.receivers * load.changes
    const share = Math.floor(load.changes / writers.length)
    work = async () => {
      await Promise.all(
        writers.map(async (w, n) => {
          const count = n === 0 ? load.changes - share * (writers.length - 1) : share
          let next = 1
          const lane = async () => {
            while (next <= count) await pushed(w, 'hot', change(`w${n}`, next++))
          }
          await Promise.all(Array.from({ length: load.window }, lane))
        }),
      )
    }
  } else {
    const members: { s: Socket; room: string; client: string }[] = []
    const joinOne = async (r: number, j: number) => {
      const node = (r + j) % spec.urls.length
      const s = await open(spec.urls[node]!)
      const room = `room${r}`
      await ask(s, 'join', { room, clientId: `c${j}`, schemaVersion: 1 })
      receive(s, node)
      sockets.push(s)
      members.push({ s, room, client: `c${j}` })
    }
    // Joined 50 rooms at a time: thousands of sockets connect in seconds, not minutes.
    for (let r = 0; r < load.rooms; r += 50) {
      const batch: Promise<void>[] = []
      for (let b = r; b < Math.min(r + 50, load.rooms); b++) {
        for (let j = 0; j < load.perRoom; j++) batch.push(joinOne(b, j))
      }
      await Promise.all(batch)
    }
    changes = members.length * load.writes
    // Every change reaches every client of its room, its writer included.
    expected = changes * load.perRoom
    work = async () => {
      await Promise.all(
        members.map(async (m) => {
          for (let i = 1; i <= load.writes; i++) await pushed(m.s, m.room, change(m.client, i))
        }),
      )
    }
  }
  process.send?.('ready')
  await new Promise<void>((resolve) => process.once('message', () => resolve()))
  const start = performance.now()
  const cpu = process.cpuUsage()
  await work()
  // Guard against a lost delivery hanging the run: report what arrived.
  await Promise.race([done, new Promise((r) => setTimeout(r, 60_000))])
  const elapsedMs = performance.now() - start
  const used = process.cpuUsage(cpu)
  for (const s of sockets) s.disconnect()
  latencies.sort((a, b) => a - b)
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0
  const result: RunResult = {
    deliveries: delivered,
    clientCpuUs: used.user + used.system,
    duplicates,
    repushed,
    expected,
    perNode,
    changes,
    elapsedMs,
    p50: at(0.5),
    p99: at(0.99),
  }
  process.send?.(result, () => process.exit(0))
}

// ---- orchestration -----------------------------------------------------------

const self = fileURLToPath(import.meta.url)

interface Child {
  /** The next message from the child. */
  next<T>(): Promise<T>
  send(message: string): void
  exited: Promise<void>
}

function child(args: string[]): Child {
  const proc = fork(self, args, { execArgv: ['--import', 'tsx'] })
  const inbox: unknown[] = []
  const waiting: ((m: unknown) => void)[] = []
  proc.on('message', (m) => {
    const w = waiting.shift()
    if (w) w(m)
    else inbox.push(m)
  })
  const exited = new Promise<void>((r) => proc.once('exit', () => r()))
  return {
    next: <T>() =>
      new Promise<T>((resolve, reject) => {
        if (inbox.length > 0) resolve(inbox.shift() as T)
        else {
          waiting.push((m) => resolve(m as T))
          void exited.then(() => reject(new Error(`bench child ${args[0]} exited`)))
        }
      }),
    send: (m) => {
      if (proc.connected) proc.send(m)
    },
    exited,
  }
}

interface Variant {
  name: string
  nodes: number
  ownership: boolean
  load: Load
}

interface Measured {
  run: RunResult
  nodes: NodeReport[]
  redisCpuUs: number
}

async function redisCpuUs(url: string): Promise<number> {
  const store = redisStore(url)
  await store.ping()
  const info = String(await store.client.call('INFO', 'cpu'))
  await store.close()
  const read = (field: string) => Number(new RegExp(`${field}:([\\d.]+)`).exec(info)?.[1] ?? 0)
  return (read('used_cpu_user') + read('used_cpu_sys')) * 1e6
}

async function flush(url: string): Promise<void> {
  const store = redisStore(url)
  await store.ping()
  await store.client.call('FLUSHALL')
  await store.close()
}

async function measure(url: string, v: Variant): Promise<Measured> {
  await flush(url)
  const nodes = Array.from({ length: v.nodes }, () =>
    child(['--node', JSON.stringify({ url, ownership: v.ownership } satisfies NodeSpec)]),
  )
  const ports = await Promise.all(nodes.map((n) => n.next<{ port: number }>()))
  const urls = ports.map((p) => `http://127.0.0.1:${p.port}`)
  const clients = child(['--clients', JSON.stringify({ urls, load: v.load } satisfies ClientSpec)])
  await clients.next<'ready'>()
  for (const n of nodes) n.send('begin')
  await Promise.all(nodes.map((n) => n.next<'begun'>()))
  const redisBefore = await redisCpuUs(url)
  clients.send('go')
  const run = await clients.next<RunResult>()
  const redisAfter = await redisCpuUs(url)
  for (const n of nodes) n.send('end')
  const reports = await Promise.all(nodes.map((n) => n.next<NodeReport>()))
  for (const n of nodes) n.send('stop')
  await Promise.all([clients.exited, ...nodes.map((n) => n.exited)])
  return { run, nodes: reports, redisCpuUs: redisAfter - redisBefore }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

async function main(): Promise<void> {
  const redis = await startRedisServer({ appendonly: true })
  // PATCHWIRE_BENCH_APPENDFSYNC=everysec shows what the fsync before every ack costs.
  const fsync = process.env.PATCHWIRE_BENCH_APPENDFSYNC ?? 'always'
  if (fsync !== 'always') {
    const admin = redisStore(redis.url)
    await admin.ping()
    await admin.client.call('CONFIG', 'SET', 'appendfsync', fsync)
    await admin.close()
  }
  const hot: Load = { kind: 'hot', receivers: HOT_RECEIVERS, changes: HOT_CHANGES, window: WINDOW }
  const rooms: Load = { kind: 'rooms', rooms: ROOMS, perRoom: PER_ROOM, writes: WRITES }
  const every: Variant[] = [
    ...[1, 2, 3].flatMap((k) =>
      [false, true].map((ownership) => ({
        name: `hot room, ${k} node${k > 1 ? 's' : ''}, ${ownership ? 'one writer' : 'all append'}`,
        nodes: k,
        ownership,
        load: hot,
      })),
    ),
    ...[1, 2, 3].map((k) => ({
      name: `${ROOMS} rooms × ${PER_ROOM}, ${k} node${k > 1 ? 's' : ''}, one writer`,
      nodes: k,
      ownership: true,
      load: rooms,
    })),
  ]
  // PATCHWIRE_BENCH_ONLY=<text> keeps the variants whose name contains it (the first is the ratios' base).
  const only = process.env.PATCHWIRE_BENCH_ONLY
  const variants = only ? every.filter((v) => v.name.includes(only)) : every
  const results = new Map<Variant, Measured[]>(variants.map((v) => [v, []]))
  const ratios = new Map<Variant, number[]>(variants.map((v) => [v, []]))
  const started = Date.now()
  try {
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order so no variant always runs first (or right after the heaviest).
      const order = variants.map((_, i) => variants[(i + round) % variants.length]!)
      const rate = new Map<Variant, number>()
      for (const v of order) {
        const m = await measure(redis.url, v)
        results.get(v)!.push(m)
        rate.set(v, (m.run.deliveries / m.run.elapsedMs) * 1000)
        process.stderr.write(`round ${round + 1}/${ROUNDS}: ${v.name} done\n`)
      }
      const base = rate.get(variants[0]!)!
      for (const v of variants) ratios.get(v)!.push(rate.get(v)! / base)
    }
  } finally {
    await redis.close()
  }
  const rows = variants.map((v) => {
    const ms = results.get(v)!
    const med = (f: (m: Measured) => number) => median(ms.map(f))
    const deliveries = med((m) => (m.run.deliveries / m.run.elapsedMs) * 1000)
    const changesPerS = med((m) => (m.run.changes / m.run.elapsedMs) * 1000)
    const redone = med((m) => m.nodes.reduce((s, n) => s + n.redone, 0) / m.run.changes)
    // Per node: its CPU over the deliveries to its sockets (what it spends per delivery it makes).
    const perNode = Array.from({ length: v.nodes }, (_, i) =>
      med((m) => m.nodes[i]!.cpuUs / Math.max(1, m.run.perNode[i]!)),
    )
    const perNodeCpu = Array.from({ length: v.nodes }, (_, i) =>
      med((m) => (m.nodes[i]!.cpuUs / 1000 / m.run.elapsedMs) * 100),
    )
    const repushes = med((m) => m.run.repushed / m.run.changes)
    const missing = ms.filter((m) => m.run.deliveries !== m.run.expected)
    return [
      v.name,
      Math.round(deliveries).toLocaleString('en-US'),
      median(ratios.get(v)!).toFixed(2),
      Math.round(changesPerS).toLocaleString('en-US'),
      med((m) => m.run.p50).toFixed(0),
      med((m) => m.run.p99).toFixed(0),
      `${(redone * 100).toFixed(1)} %`,
      `${(repushes * 100).toFixed(1)} %`,
      perNode.map((x) => x.toFixed(0)).join(' / '),
      perNodeCpu.map((x) => x.toFixed(0)).join(' / '),
      med((m) => m.redisCpuUs / m.run.changes).toFixed(0),
      med((m) => (m.run.clientCpuUs / 1000 / m.run.elapsedMs) * 100).toFixed(0),
      missing.length === 0
        ? 'all'
        : missing.map((m) => `${m.run.deliveries}/${m.run.expected}`).join(', '),
    ]
  })
  console.log(
    table(
      [
        'variant',
        'deliveries/s',
        '× hot 1 node',
        'changes/s',
        'p50 ms',
        'p99 ms',
        'redone',
        'pushed again',
        'node CPU µs/delivery',
        'node CPU %',
        'Redis CPU µs/change',
        'clients CPU %',
        'delivered',
      ],
      rows,
    ),
  )
  console.log(
    `\nMedians of ${ROUNDS} interleaved rounds (${Math.round((Date.now() - started) / 1000)} s). ` +
      `Hot room: ${HOT_RECEIVERS} receivers spread over the nodes, one writer per node, ` +
      `${HOT_CHANGES} one-op changes, ${WINDOW} pushes in flight per writer. Rooms: ${ROOMS} rooms × ` +
      `${PER_ROOM} clients (a room's clients round-robin over the nodes), each client pushing ` +
      `${WRITES} changes one after the other. Redis: AOF, appendfsync ${fsync}. redone: changes ` +
      'judged again after another node appended first, per change; pushed again: pushes answered ' +
      '`unavailable` (no owner answered within the forward timeout, a store call failed) and re-sent, ' +
      'per change. node CPU µs/delivery: a node ' +
      "process's CPU (user + system) over the deliveries to its sockets, per node. Load average " +
      'at the end: ' +
      (await import('node:os'))
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' ') +
      ' on 2 cores shared by Redis, every node, the clients and other work.',
  )
}

const [mode, arg] = process.argv.slice(2)
if (mode === '--node') {
  await runNode(JSON.parse(arg!) as NodeSpec)
} else if (mode === '--clients') {
  await runClients(JSON.parse(arg!) as ClientSpec)
} else {
  await main()
}
