// Scale-out benchmark: M clients in one room spread over K relay nodes, one
// publisher per node pushing N changes in total. Every relay node is its own
// process; all clients share one forked process, so a change's latency is
// measured on one clock from push to delivery. Compares 1, 2 and 3 nodes on
// Redis (AOF, appendfsync always: durable before ack) with 1 node on SQLite
// (synchronous=FULL), the embedded default.
//
//   npx tsx bench/relayRedis.ts
import { fork } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Socket } from 'socket.io-client'
import { createRelay } from '../server/createRelay'
import { redisAdapter } from '../server/redisAdapter'
import { redisStore } from '../server/store/redisStore'
import { sqliteStore } from '../server/store/sqliteStore'
import type { AppendResult, RelayStore } from '../server/store/types'
import { formatHlc } from '../src/hlc'
import { startRedisServer } from '../test/redis/redisServer'
import { ask, deliveries, openSocket } from './_rawClients'

const RECEIVERS = 48
const CHANGES = 1200
const WINDOW = 16

type NodeSpec = { kind: 'redis'; url: string } | { kind: 'sqlite'; file: string }
interface ClientSpec {
  urls: string[]
  receivers: number
  changes: number
  window: number
}
interface NodeCounts {
  /** Conditional appends (single or grouped) this node made. */
  appends: number
  /** Of those, the ones another node won. */
  lost: number
}
interface RunResult {
  deliveries: number
  expected: number
  elapsedMs: number
  p50: number
  p99: number
}

// ---- relay node process ----------------------------------------------------

async function runNode(spec: NodeSpec): Promise<void> {
  const redis = spec.kind === 'redis' ? redisStore(spec.url) : undefined
  const store = redis ?? sqliteStore({ file: (spec as { file: string }).file })
  const fanout = redis ? redisAdapter(redis.client) : undefined
  const counts: NodeCounts = { appends: 0, lost: 0 }
  const counted: RelayStore = {
    ...store,
    append: (...args) => tally(store.append(...args)),
  }
  if (store.appendMany) counted.appendMany = (...args) => tally(store.appendMany!(...args))
  async function tally(result: Promise<AppendResult>): Promise<AppendResult> {
    const r = await result
    counts.appends++
    if (!r.ok) counts.lost++
    return r
  }
  const relay = createRelay({
    store: counted,
    limits: { messagesPerSecond: 1e9, changesPerSecond: 1e9 },
  })
  if (fanout) relay.io.adapter(fanout.adapter)
  const port = await relay.listen(0, '127.0.0.1')
  process.send?.({ port })
  process.once('message', () => {
    void relay
      .close()
      .then(() => fanout?.close())
      .then(() => process.send?.(counts, () => process.exit(0)))
  })
}

// ---- client process ----------------------------------------------------------

async function runClients(spec: ClientSpec): Promise<RunResult> {
  const open = openSocket
  const expected = spec.receivers * spec.changes
  const got = deliveries(expected)
  const sockets: Socket[] = []
  for (let i = 0; i < spec.receivers; i++) {
    const s = await open(spec.urls[i % spec.urls.length]!)
    await ask(s, 'join', { room: 'bench', clientId: `r${i}`, schemaVersion: 1 })
    s.on('change', (c: { ops: { value?: unknown }[] }) => got.receive(c.ops[0]?.value))
    sockets.push(s)
  }
  const publishers = await Promise.all(spec.urls.map((url) => open(url)))
  sockets.push(...publishers)
  await Promise.all(
    publishers.map((p, n) =>
      ask(p, 'join', { room: 'bench', clientId: `p${n}`, schemaVersion: 1 }),
    ),
  )
  const start = performance.now()
  // Each publisher writes its own keys: no op is stale, so every change is delivered to everyone.
  const publish = async (p: Socket, n: number, count: number): Promise<void> => {
    let next = 1
    const lane = async () => {
      while (next <= count) {
        const i = next++
        const change = {
          id: `p${n}:${i}`,
          ts: formatHlc({ wall: Date.now(), counter: i, node: `p${n}` }),
          ops: [{ op: 'add', path: [`p${n}k${i % 64}`], value: performance.now() }],
        }
        await ask(p, 'push', { room: 'bench', changes: [change] })
      }
    }
    await Promise.all(Array.from({ length: spec.window }, lane))
  }
  const share = Math.floor(spec.changes / publishers.length)
  await Promise.all(
    publishers.map((p, n) =>
      publish(p, n, n === 0 ? spec.changes - share * (publishers.length - 1) : share),
    ),
  )
  // Guard against a lost delivery hanging the run: report what arrived.
  await Promise.race([got.done, new Promise((r) => setTimeout(r, 30_000))])
  const elapsedMs = performance.now() - start
  for (const s of sockets) s.disconnect()
  return { deliveries: got.delivered, expected, elapsedMs, p50: got.at(0.5), p99: got.at(0.99) }
}

// ---- orchestration -----------------------------------------------------------

const self = fileURLToPath(import.meta.url)

function child<T>(args: string[]): Promise<{ value: T; stop(): Promise<unknown> }> {
  return new Promise((resolve, reject) => {
    const proc = fork(self, args, { execArgv: ['--import', 'tsx'] })
    const exited = new Promise<void>((r) => proc.once('exit', () => r()))
    proc.once('message', (m) =>
      resolve({
        value: m as T,
        // Relay nodes answer "stop" with their counts; the client process has already exited.
        stop: async () => {
          const answer = new Promise<unknown>((r) => proc.once('message', r))
          if (proc.connected) proc.send('stop')
          const counts = await Promise.race([answer, exited])
          await exited
          return counts
        },
      }),
    )
    proc.once('exit', (code) => reject(new Error(`bench child exited with ${code}`)))
  })
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'patchwire-bench-redis-'))
  const redis = await startRedisServer({ appendonly: true })
  const variants: { name: string; nodes: NodeSpec[] }[] = [
    { name: 'sqlite, 1 node', nodes: [{ kind: 'sqlite', file: join(dir, 'bench.db') }] },
    ...[1, 2, 3].map((k) => ({
      name: `redis, ${k} node${k > 1 ? 's' : ''}`,
      nodes: Array.from({ length: k }, (): NodeSpec => ({ kind: 'redis', url: redis.url })),
    })),
  ]
  const rows: string[][] = []
  let baseline = 0
  try {
    for (const [index, v] of variants.entries()) {
      // A fresh room per variant: flush Redis between runs.
      if (v.nodes[0]?.kind === 'redis') await flush(redis.url)
      const nodes = await Promise.all(
        v.nodes.map((spec) => child<{ port: number }>(['--node', JSON.stringify(spec)])),
      )
      const urls = nodes.map((n) => `http://127.0.0.1:${n.value.port}`)
      const run = await child<RunResult>([
        '--clients',
        JSON.stringify({ urls, receivers: RECEIVERS, changes: CHANGES, window: WINDOW }),
      ])
      await run.stop()
      const counts = (await Promise.all(nodes.map((n) => n.stop()))) as NodeCounts[]
      const appends = counts.reduce((sum, c) => sum + c.appends, 0)
      const lost = counts.reduce((sum, c) => sum + c.lost, 0)
      const r = run.value
      const rate = (r.deliveries / r.elapsedMs) * 1000
      if (index === 0) baseline = rate
      rows.push([
        v.name,
        Math.round(rate).toLocaleString('en-US'),
        (rate / baseline).toFixed(2),
        Math.round((CHANGES / r.elapsedMs) * 1000).toLocaleString('en-US'),
        r.p50.toFixed(1),
        r.p99.toFixed(1),
        r.deliveries === r.expected ? 'all' : `${r.deliveries}/${r.expected}`,
        (appends / CHANGES).toFixed(2),
        `${Math.round((lost / Math.max(appends, 1)) * 100)}%`,
      ])
    }
  } finally {
    await redis.close()
    rmSync(dir, { recursive: true, force: true })
  }
  const head = [
    'relay',
    'deliveries/s',
    'vs sqlite',
    'changes/s',
    'p50 ms',
    'p99 ms',
    'delivered',
    'appends/change',
    'lost',
  ]
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')
  console.log(line(head))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const r of rows) console.log(line(r))
  console.log(
    `\n${RECEIVERS} receivers spread over the nodes, one publisher per node, ${CHANGES} changes ` +
      `(one op each) with ${WINDOW} pushes in flight per publisher. appends/change: conditional ` +
      '(group) appends per change, won or lost; lost: the share another node won first. ' +
      '2 shared cores: Redis, the ' +
      'nodes and the clients compete for them, so more nodes cannot scale linearly here; numbers are noisy.',
  )
}

async function flush(url: string): Promise<void> {
  const store = redisStore(url)
  await store.ping()
  await store.client.call('FLUSHALL')
  await store.close()
}

const [mode, arg] = process.argv.slice(2)
if (mode === '--node') {
  await runNode(JSON.parse(arg!) as NodeSpec)
} else if (mode === '--clients') {
  const result = await runClients(JSON.parse(arg!) as ClientSpec)
  process.send?.(result, () => process.exit(0))
} else {
  await main()
}
