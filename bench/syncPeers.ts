// Sync compared with its peers in one run: raw Socket.IO (the server
// re-emits to the room: the floor), Yjs 13 over a minimal y-protocols
// websocket server (y-websocket 3 ships only the client), Logux (server +
// core ClientNode over ws), a Redux Toolkit store wired to Socket.IO by hand
// (the raw server; the same slice as patchwire's clients: the Redux floor),
// and patchwire's relay on memory, on SQLite
// (synchronous=FULL) and through `patchwire relay` with its default limits.
// Server, one writer and 10 readers each run in their own process.
//
// Per round, every peer in turn (the order rotating), on a fresh setup:
//   - p50 / p99 latency at 50 writes/s (writer's send to a reader's receive);
//   - at 400 writes/s: reader CPU per delivered change, writer CPU per write
//     (process.cpuUsage in each child), server CPU per delivery and RSS (/proc);
//   - max sustained writes/s: doubling, then bisecting, the highest rate whose
//     every write reaches every reader with p99 < 200 ms.
// Then client CPU per synced slice action on a 10,000- and a 100-entity
// slice, paced and in bursts of 10: plain RTK, RTK + a middleware that emits
// each action and awaits its answer (the floor), patchwire sync.
// Cells are medians of the rounds; ratios are against raw Socket.IO (or the
// slice baselines) measured in the same run.
//
//   npm run bench:sync-peers            (5 rounds; PATCHWIRE_BENCH_ROUNDS=n)
//   npm run bench:sync-peers -- --quick (1 short round: a smoke run)
//   PATCHWIRE_BENCH_PEERS=raw,memory    (only these servers' peers; raw Socket.IO is always kept)
//   PATCHWIRE_BENCH_SLICES=0            (skip the slice table)
import { loadavg } from 'node:os'
import { interleaved, median, printTable } from './_rounds'
import { forkScript, nextMessage, stopChild } from './syncPeers/processes'
import { maxSustained, type PeerSpec, READERS, startSession } from './syncPeers/session'
import type { SliceKind, SliceMode } from './syncPeers/sliceClient'

const quick = process.argv.includes('--quick')
const ROUNDS = quick ? 1 : Number(process.env.PATCHWIRE_BENCH_ROUNDS ?? 5)
const LATENCY_WRITES = quick ? 25 : 150
const CPU_WRITES = quick ? 100 : 1200
const RAMP = quick
  ? { start: 200, cap: 400, steps: 0, seconds: 0.25 }
  : { start: 250, cap: 16_000, steps: 2, seconds: 1 }
const SLICE_ACTIONS = quick ? 20 : 200

const ALL_PEERS: PeerSpec[] = [
  { name: 'raw Socket.IO', server: 'raw', client: 'raw' },
  { name: 'Yjs', server: 'yjs', client: 'yjs' },
  { name: 'Logux', server: 'logux', client: 'logux' },
  { name: 'RTK + Socket.IO by hand', server: 'raw', client: 'rtk' },
  { name: 'patchwire', server: 'memory', client: 'patchwire' },
  { name: 'patchwire SQLite FULL', server: 'sqlite', client: 'patchwire' },
  { name: 'patchwire relay CLI', server: 'cli', client: 'patchwire' },
]
// A shorter run of some rows: every ratio still needs raw Socket.IO measured alongside.
const only = process.env.PATCHWIRE_BENCH_PEERS?.split(',').map((s) => s.trim())
const PEERS = only
  ? ALL_PEERS.filter((p) => p.server === 'raw' || only.includes(p.server))
  : ALL_PEERS
const SLICES = process.env.PATCHWIRE_BENCH_SLICES !== '0'

type Measure = 'maxRate' | 'p50' | 'p99' | 'readerCpu' | 'writerCpu' | 'serverCpu' | 'serverRss'
const MEASURES: { key: Measure; label: string; digits: number }[] = [
  {
    key: 'maxRate',
    label: `max sustained writes/s, 1 → ${READERS} readers, p99 < 200 ms`,
    digits: 0,
  },
  { key: 'p50', label: 'p50 latency at 50 writes/s (ms)', digits: 2 },
  { key: 'p99', label: 'p99 latency at 50 writes/s (ms)', digits: 2 },
  { key: 'readerCpu', label: 'reader CPU per delivered change @400/s (µs)', digits: 0 },
  { key: 'writerCpu', label: 'writer CPU per write @400/s (µs)', digits: 0 },
  { key: 'serverCpu', label: 'server CPU per delivery @400/s (µs)', digits: 1 },
  { key: 'serverRss', label: 'server RSS after the run (MB)', digits: 0 },
]

const samples = Object.fromEntries(
  PEERS.map((p) => [p.name, Object.fromEntries(MEASURES.map((m) => [m.key, [] as number[]]))]),
) as Record<string, Record<Measure, number[]>>

async function measurePeer(spec: PeerSpec): Promise<void> {
  const session = await startSession(spec)
  try {
    const s = samples[spec.name]!
    const latency = await session.run(50, LATENCY_WRITES)
    s.p50.push(latency.p50Ms)
    s.p99.push(latency.p99Ms)
    const cpu = await session.run(400, CPU_WRITES)
    s.readerCpu.push(cpu.readerCpuPerChangeUs)
    s.writerCpu.push(cpu.writerCpuPerWriteUs)
    s.serverCpu.push(cpu.serverCpuPerDeliveryUs)
    s.maxRate.push(await maxSustained(session, RAMP))
    s.serverRss.push(session.serverRssMb())
    // Progress on stderr: a long run on a busy machine shows where it is.
    console.error(
      `${spec.name}: ${MEASURES.map((m) => `${m.key} ${fmt(s[m.key].at(-1)!, m.digits)}`).join(', ')}`,
    )
  } finally {
    await session.close()
  }
}

const fmt = (v: number, digits: number) =>
  Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: digits }) : '—'
const ratio = (v: number, base: number) =>
  Number.isFinite(v) && base > 0 && Number.isFinite(base) ? `${(v / base).toFixed(2)}×` : '—'

console.log(
  `sync peers: ${ROUNDS} round(s)${quick ? ' (quick)' : ''}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} at start`,
)
for (let r = 0; r < ROUNDS; r++) {
  for (let i = 0; i < PEERS.length; i++) await measurePeer(PEERS[(r + i) % PEERS.length]!)
}

const raw = samples['raw Socket.IO']!
const rows: string[][] = [['measure', ...PEERS.map((p) => p.name)]]
for (const m of MEASURES) {
  const base = median(raw[m.key])
  rows.push([
    m.label,
    ...PEERS.map((p) => {
      const v = median(samples[p.name]![m.key])
      return p.name === 'raw Socket.IO'
        ? fmt(v, m.digits)
        : `${fmt(v, m.digits)} (${ratio(v, base)})`
    }),
  ])
}
printTable(rows)
if (!SLICES) {
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} at the end`,
  )
  process.exit(0)
}

// patchwire against the Redux floor of the same run: the same slice and reducer
// (whose copy of the map on each write any Redux app pays), wired to Socket.IO by hand.
const reduxFloor = samples['RTK + Socket.IO by hand']!
const ours = PEERS.filter((p) => p.client === 'patchwire')
console.log('\npatchwire / RTK + Socket.IO by hand, same run')
const against: string[][] = [['measure', ...ours.map((p) => p.name)]]
for (const m of MEASURES) {
  const base = median(reduxFloor[m.key])
  against.push([m.label, ...ours.map((p) => ratio(median(samples[p.name]![m.key]), base))])
}
printTable(against)

// ---- client CPU per synced slice action ------------------------------------

const raws = forkScript('server.ts', ['raw'])
const relay = forkScript('server.ts', ['memory'])
const [rawPort, relayPort] = await Promise.all([
  nextMessage<number>(raws, 'port'),
  nextMessage<number>(relay, 'port'),
])
let rooms = 0
const sliceAction = async (kind: SliceKind, entities: number, mode: SliceMode) => {
  const url = `http://127.0.0.1:${kind === 'patchwire' ? relayPort : rawPort}`
  const child = forkScript('sliceClient.ts', [
    kind,
    url,
    `slice${++rooms}`,
    String(entities),
    mode,
    String(SLICE_ACTIONS),
  ])
  try {
    return await nextMessage<number>(child, 'cpuPerActionUs')
  } finally {
    await stopChild(child)
  }
}
const sliceRows: string[][] = [
  ['slice, steps', 'plain RTK µs', 'RTK + emit/ack µs', 'patchwire µs', '× plain', '× emit/ack'],
]
for (const entities of [10_000, 100]) {
  for (const mode of ['paced', 'burst'] as const) {
    const cells = await interleaved(ROUNDS, {
      plain: () => sliceAction('plain', entities, mode),
      emitAck: () => sliceAction('emitAck', entities, mode),
      patchwire: () => sliceAction('patchwire', entities, mode),
    })
    const [plain, floor, pw] = [median(cells.plain), median(cells.emitAck), median(cells.patchwire)]
    sliceRows.push([
      `${entities.toLocaleString('en-US')} entities, ${mode === 'paced' ? 'paced' : 'bursts of 10'}`,
      fmt(plain, 1),
      fmt(floor, 1),
      fmt(pw, 1),
      ratio(pw, plain),
      ratio(pw, floor),
    ])
  }
}
await Promise.all([raws, relay].map(stopChild))
console.log('\nclient CPU per synced slice action (medians; each step waits until settled)')
printTable(sliceRows)
console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} at the end`,
)
