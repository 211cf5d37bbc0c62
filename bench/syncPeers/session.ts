// One peer's setup for a round: its server, one writer and READERS readers,
// each in its own process, and the phases the bench runs against them.
import type { ChildProcess } from 'node:child_process'
import type { ClientCommand, ClientKind, ClientReport } from './client'
import { cpuOf, forkScript, nextMessage, rssOf, spawnRelayCli, stopChild } from './processes'
import type { ServerKind } from './server'

export const READERS = 10

/** A peer as the bench runs it: which server, which client, and its name in the table. */
export interface PeerSpec {
  name: string
  server: ServerKind | 'cli'
  client: ClientKind
}

/** What one phase measured. */
export interface PhaseResult {
  /** Every reader received every write before the deadline. */
  allDelivered: boolean
  p50Ms: number
  p99Ms: number
  readerCpuPerChangeUs: number
  writerCpuPerWriteUs: number
  serverCpuPerDeliveryUs: number
}

export interface Session {
  run(rate: number, count: number): Promise<PhaseResult>
  serverRssMb(): number
  close(): Promise<void>
}

const percentile = (sorted: number[], q: number): number =>
  sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!

const send = (child: ChildProcess, m: ClientCommand) => child.send(m)

async function startServer(spec: PeerSpec): Promise<{ child: ChildProcess; url: string }> {
  if (spec.server === 'cli') {
    // The CLI as shipped: default limits, the memory store to compare with the memory row.
    const { child, port } = await spawnRelayCli([
      '--memory',
      '--no-metrics',
      '--log-level',
      'error',
    ])
    return { child, url: `http://127.0.0.1:${port}` }
  }
  const child = forkScript('server.ts', [spec.server])
  const port = await nextMessage<number>(child, 'port')
  const scheme = spec.client === 'yjs' || spec.client === 'logux' ? 'ws' : 'http'
  return { child, url: `${scheme}://127.0.0.1:${port}` }
}

let phases = 0

/** Starts a peer's server, writer and readers; resolves once every client is connected. */
export async function startSession(spec: PeerSpec): Promise<Session> {
  const server = await startServer(spec)
  const clients = ['writer', ...Array.from({ length: READERS }, () => 'reader')].map((role, i) =>
    forkScript('client.ts', [spec.client, server.url, role, String(i)]),
  )
  await Promise.all(clients.map((c) => nextMessage(c, 'ready')))
  const [writer, ...readers] = clients as [ChildProcess, ...ChildProcess[]]
  return {
    async run(rate, count) {
      const phase = ++phases
      await Promise.all(
        clients.map((c) => {
          const begun = nextMessage(c, 'begun')
          send(c, { cmd: 'begin', phase, expect: count })
          return begun
        }),
      )
      const server0 = cpuOf(server.child.pid!)
      const doneReading = Promise.all(readers.map((r) => nextMessage(r, 'done')))
      const written = nextMessage(writer, 'written')
      send(writer, { cmd: 'write', phase, rate, count })
      // Generous: a machine shared with other work runs late; a miss only marks the phase failed.
      const deadline = (count / rate) * 1000 + 10_000
      let timer: ReturnType<typeof setTimeout> | undefined
      const allDelivered = await Promise.race([
        Promise.all([doneReading, written]).then(() => true),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(false), deadline))),
      ])
      clearTimeout(timer)
      const serverCpu = cpuOf(server.child.pid!) - server0
      const reports = await Promise.all(
        clients.map((c) => {
          const report = nextMessage<ClientReport>(c, 'report')
          send(c, { cmd: 'end' })
          return report
        }),
      )
      const [w, ...rs] = reports as [ClientReport, ...ClientReport[]]
      const latencies = rs.flatMap((r) => r.latenciesMs).sort((a, b) => a - b)
      const delivered = rs.reduce((n, r) => n + r.received, 0)
      return {
        allDelivered,
        p50Ms: percentile(latencies, 0.5),
        p99Ms: percentile(latencies, 0.99),
        readerCpuPerChangeUs: rs.reduce((n, r) => n + r.cpuUs, 0) / Math.max(1, delivered),
        writerCpuPerWriteUs: w.cpuUs / count,
        serverCpuPerDeliveryUs: serverCpu / Math.max(1, delivered),
      }
    },
    serverRssMb: () => rssOf(server.child.pid!),
    async close() {
      await Promise.all([...clients, server.child].map(stopChild))
    },
  }
}

/** Whether `rate` is sustained: every write delivered to every reader, p99 under 200 ms. */
const sustains = async (session: Session, rate: number, seconds: number): Promise<boolean> => {
  const r = await session.run(rate, Math.max(20, Math.round(rate * seconds)))
  return r.allDelivered && r.p99Ms < 200
}

/**
 * The highest sustained rate: doubling from `start` until a rate fails, then
 * bisecting between the last pass and the first failure `steps` times.
 */
export async function maxSustained(
  session: Session,
  { start, cap, steps, seconds }: { start: number; cap: number; steps: number; seconds: number },
): Promise<number> {
  let pass = 0
  let fail = cap * 2
  for (let rate = start; rate <= cap; rate *= 2) {
    if (!(await sustains(session, rate, seconds))) {
      fail = rate
      break
    }
    pass = rate
  }
  if (fail > cap) return pass
  for (let i = 0; i < steps; i++) {
    const mid = Math.round((pass + fail) / 2)
    if (await sustains(session, mid, seconds)) pass = mid
    else fail = mid
  }
  return pass
}
