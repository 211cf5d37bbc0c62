import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jwtAuth } from '../../server/auth/jwtAuth'
import { createRelay } from '../../server/createRelay'
import { type RedisFanout, redisAdapter, resyncLocalRooms } from '../../server/redisAdapter'
import type { Relay } from '../../server/relay/types'
import { redisStore } from '../../server/store/redisStore'
import { checkConvergence } from '../sync/convergenceProperty'
import { PROPERTY_JWT_SECRET, propertyTokens } from '../sync/propertyAuth'
import { type RedisServer, startRedisServer } from './redisServer'

// The sync convergence property (test/sync/convergence.property.test.ts) with
// three relay nodes sharing one Redis: clients are spread over the nodes,
// "restart relay" restarts one node and "restart redis" restarts redis-server
// (with its append-only file, so nothing acknowledged is lost). Each case
// costs more than on one SQLite relay, so it runs fewer cases by default.
const RUNS = Number(process.env.PATCHWIRE_REDIS_PROPERTY_RUNS ?? 60)
const SEED = Number(process.env.PATCHWIRE_PROPERTY_SEED ?? 20261122)
const NODES = 3

let redis: RedisServer
let auth: (principal: string) => Record<string, unknown>
const prefix = `prop${randomUUID()}:`
const nodes: { relay: Relay; fanout: RedisFanout; port: number; url: string }[] = []
let url = ''

/** Starts node `i` (again, on its old port when it had one). */
const startNode = async (i: number) => {
  const store = redisStore(redis.url, { prefix })
  const fanout = redisAdapter(store.client, { key: `${prefix}io` })
  const relay = createRelay({ store, authenticate: jwtAuth({ secret: PROPERTY_JWT_SECRET }) })
  relay.io.adapter(fanout.adapter)
  fanout.onResubscribed(() => void resyncLocalRooms(relay.io, store).catch(() => {}))
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
  nodes[i] = { relay, fanout, port, url: `http://127.0.0.1:${port}` }
}

const stopNode = async (i: number) => {
  await nodes[i]!.relay.close()
  await nodes[i]!.fanout.close()
}

beforeAll(async () => {
  redis = await startRedisServer({ appendonly: true })
  auth = await propertyTokens()
  for (let i = 0; i < NODES; i++) await startNode(i)
  url = nodes[0]!.url
})

afterAll(async () => {
  for (let i = 0; i < nodes.length; i++) await stopNode(i)
  await redis?.close()
})

describe('convergence of sync clients through three relay nodes on Redis', () => {
  it(
    'every client ends with the relay room state and no acknowledged change is lost',
    async () => {
      const started = Date.now()
      const seen = await checkConvergence(
        {
          clientUrl: (i) => nodes[i % NODES]!.url,
          inspectUrl: () => url,
          auth,
          restarts: ['relay', 'redis'],
          restart: async (how, caseNo) => {
            if (how === 'redis') return redis.restart()
            await stopNode(caseNo % NODES)
            await startNode(caseNo % NODES)
          },
          write: (room, ops, n) => nodes[n % NODES]!.relay.write(room, ops, { origin: 'job' }),
          read: (room) => nodes[1]!.relay.read(room),
        },
        { runs: RUNS, seed: SEED },
      )
      console.log(
        `sync convergence on ${NODES} Redis nodes: ${RUNS} cases in ${Date.now() - started} ms (seed ${SEED}); ` +
          `gaps ${seen.gaps}, refetches ${seen.refetches}, restarts ${seen.restarts}, ` +
          `client restarts ${seen.clientRestarts}, server writes ${seen.serverWrites}, ` +
          `confirmed writes ${seen.confirmedWrites}, hostile attempts refused ${seen.hostileRefused}`,
      )
      // The disturbed delivery did reorder: some client saw a gap and caught up.
      if (RUNS >= 20) expect(seen.gaps).toBeGreaterThan(0)
      // The server writer did write among the clients.
      if (RUNS >= 20) expect(seen.serverWrites).toBeGreaterThan(0)
      if (RUNS >= 20) expect(seen.hostileRefused).toBeGreaterThan(0)
    },
    30 * 60_000,
  )
})
