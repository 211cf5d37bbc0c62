import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jwtAuth } from '../../server/auth/jwtAuth'
import { createRelay } from '../../server/createRelay'
import type { Relay } from '../../server/relay/types'
import { checkConvergence } from '../sync/convergenceProperty'
import { PROPERTY_JWT_SECRET, propertyTokens } from '../sync/propertyAuth'
import { type RedisServer, startRedisServer } from './redisServer'

// The sync convergence property (test/sync/convergence.property.test.ts) with
// three relay nodes sharing one Redis: clients are spread over the nodes,
// "restart relay" restarts one node and "restart redis" restarts redis-server
// (with its append-only file, so nothing acknowledged is lost). It runs twice:
// with every node appending to the shared log, and with one writer per room.
// Each case costs more than on one SQLite relay, so it runs fewer cases by default.
const RUNS = Number(process.env.PATCHWIRE_REDIS_PROPERTY_RUNS ?? 60)
const SEED = Number(process.env.PATCHWIRE_PROPERTY_SEED ?? 20261122)
const NODES = 3

let redis: RedisServer
let auth: (principal: string) => Record<string, unknown>

interface NodeSet {
  nodes: { relay: Relay; port: number; url: string }[]
  start(i: number): Promise<void>
  stop(i: number): Promise<void>
}

/** Three relay nodes on the shared Redis, under a prefix of their own; with `ownership`, one writer per room. */
function nodeSet(ownership: boolean): NodeSet {
  const prefix = `prop${randomUUID()}:`
  const nodes: NodeSet['nodes'] = []
  /** Starts node `i` (again, on its old port when it had one). */
  const start = async (i: number) => {
    const relay = createRelay({
      redis: {
        connection: redis.url,
        prefix,
        fanout: { key: `${prefix}io` },
        ownership: ownership ? { leaseMs: 1_000 } : false,
      },
      authenticate: jwtAuth({ secret: PROPERTY_JWT_SECRET }),
    })
    let port = nodes[i]?.port ?? 0
    for (let attempt = 0; ; attempt++) {
      try {
        port = await relay.listen(port, '127.0.0.1')
        break
      } catch (err) {
        if (attempt > 50) throw err
        await new Promise((r) => setTimeout(r, 20))
      }
    }
    nodes[i] = { relay, port, url: `http://127.0.0.1:${port}` }
  }
  const stop = async (i: number) => {
    await nodes[i]!.relay.close()
  }
  return { nodes, start, stop }
}

const plain = nodeSet(false)
const owned = nodeSet(true)

beforeAll(async () => {
  redis = await startRedisServer({ appendonly: true })
  auth = await propertyTokens()
  for (const set of [plain, owned]) for (let i = 0; i < NODES; i++) await set.start(i)
})

afterAll(async () => {
  for (const set of [plain, owned]) for (let i = 0; i < set.nodes.length; i++) await set.stop(i)
  await redis?.close()
})

async function converges(set: NodeSet, label: string): Promise<void> {
  const { nodes } = set
  const started = Date.now()
  const seen = await checkConvergence(
    {
      clientUrl: (i) => nodes[i % NODES]!.url,
      inspectUrl: () => nodes[0]!.url,
      auth,
      restarts: ['relay', 'redis'],
      restart: async (how, caseNo) => {
        if (how === 'redis') return redis.restart()
        await set.stop(caseNo % NODES)
        await set.start(caseNo % NODES)
      },
      write: (room, ops, n) => nodes[n % NODES]!.relay.write(room, ops, { origin: 'job' }),
      read: (room) => nodes[1]!.relay.read(room),
    },
    { runs: RUNS, seed: SEED },
  )
  console.log(
    `sync convergence on ${NODES} Redis nodes (${label}): ${seen.cases} cases in ${Date.now() - started} ms (seed ${SEED}); ` +
      `gaps ${seen.gaps}, refetches ${seen.refetches}, restarts ${seen.restarts}, ` +
      `client restarts ${seen.clientRestarts}, server writes ${seen.serverWrites}, ` +
      `confirmed writes ${seen.confirmedWrites}, hostile attempts refused ${seen.hostileRefused}`,
  )
  // The disturbed delivery did reorder: some client saw a gap and caught up.
  if (seen.cases >= 20) expect(seen.gaps).toBeGreaterThan(0)
  // The server writer did write among the clients.
  if (seen.cases >= 20) expect(seen.serverWrites).toBeGreaterThan(0)
  if (seen.cases >= 20) expect(seen.hostileRefused).toBeGreaterThan(0)
}

describe('convergence of sync clients through three relay nodes on Redis', () => {
  it(
    'every client ends with the relay room state and no acknowledged change is lost',
    () => converges(plain, 'every node appends'),
    Math.max(30 * 60_000, RUNS * 5_000),
  )

  it(
    'with one writer per room, every client ends with the relay room state and no acknowledged change is lost',
    () => converges(owned, 'one writer per room'),
    Math.max(30 * 60_000, RUNS * 5_000),
  )
})
