import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jwtAuth } from '../../server/auth/jwtAuth'
import { createRelay } from '../../server/createRelay'
import type { Relay } from '../../server/relay/types'
import { sqliteStore } from '../../server/store/sqliteStore'
import { freePort } from '../redis/redisServer'
import { type RelayNode, startRelayNode } from '../redis/relayProcess'
import { type ConvergenceStats, checkConvergence } from './convergenceProperty'
import { PROPERTY_JWT_SECRET, propertyTokens } from './propertyAuth'

// CI runs 500 cases in process and fewer against a relay process (each SIGKILL
// costs a process start); `npm run test:property` runs the big local run.
const RUNS = Number(process.env.PATCHWIRE_PROPERTY_RUNS ?? 500)
const KILL_RUNS = Number(process.env.PATCHWIRE_KILL_PROPERTY_RUNS ?? Math.ceil(RUNS / 10))
const SEED = Number(process.env.PATCHWIRE_PROPERTY_SEED ?? 20261122)

/**
 * A test's time limit: 30 minutes, or more for a bigger run (`npm run
 * test:property`), at `perCase` ms a case on a loaded machine.
 */
const budget = (runs: number, perCase: number) => Math.max(30 * 60_000, runs * perCase)

let dir: string
let auth: (principal: string) => Record<string, unknown>

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patchwire-sync-prop-'))
  auth = await propertyTokens()
})

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

const report = (what: string, started: number, seen: ConvergenceStats) =>
  console.log(
    `${what}: ${seen.cases} cases in ${Date.now() - started} ms (seed ${SEED}); ` +
      `gaps ${seen.gaps}, refetches ${seen.refetches}, relay restarts ${seen.restarts}, ` +
      `client restarts ${seen.clientRestarts}, server writes ${seen.serverWrites}, ` +
      `confirmed writes ${seen.confirmedWrites}, hostile attempts refused ${seen.hostileRefused}, ` +
      `time travels ${seen.travels}`,
  )

/** Listens on `port` (0 the first time), retrying while the old server's port frees. */
async function listen(relay: Relay, port: number): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await relay.listen(port, '127.0.0.1')
    } catch (err) {
      if (attempt > 50) throw err
      await new Promise((r) => setTimeout(r, 20))
    }
  }
}

describe('convergence of sync clients through the relay', () => {
  it(
    'every client ends with the relay room state and no acknowledged change is lost',
    async () => {
      const file = join(dir, 'relay.db')
      const start = () =>
        createRelay({
          store: sqliteStore({ file, synchronous: 'normal' }),
          authenticate: jwtAuth({ secret: PROPERTY_JWT_SECRET }),
        })
      let relay = start()
      const port = await listen(relay, 0)
      const url = `http://127.0.0.1:${port}`
      const started = Date.now()
      try {
        const seen = await checkConvergence(
          {
            clientUrl: () => url,
            inspectUrl: () => url,
            auth,
            restarts: ['relay'],
            restart: async () => {
              await relay.close()
              relay = start()
              await listen(relay, port)
            },
            write: (room, ops) => relay.write(room, ops, { origin: 'job' }),
            read: (room) => relay.read(room),
          },
          { runs: RUNS, seed: SEED },
        )
        report('sync convergence', started, seen)
        // The disturbed delivery did reorder, and the server writer did write among the clients.
        if (seen.cases >= 20) expect(seen.gaps).toBeGreaterThan(0)
        if (seen.cases >= 20) expect(seen.serverWrites).toBeGreaterThan(0)
        if (seen.cases >= 20) expect(seen.hostileRefused).toBeGreaterThan(0)
      } finally {
        await relay.close()
      }
    },
    budget(RUNS, 2_000),
  )

  it(
    'every client converges through a relay process that is killed and restarted on its file',
    async () => {
      const file = join(dir, 'killed.db')
      const port = await freePort()
      const args = ['--db', file, '--jwt-secret', PROPERTY_JWT_SECRET, '--port', String(port)]
      let node: RelayNode = await startRelayNode(args)
      const url = `http://127.0.0.1:${port}`
      const started = Date.now()
      try {
        const seen = await checkConvergence(
          {
            clientUrl: () => url,
            inspectUrl: () => url,
            auth,
            restarts: ['kill', 'relay'],
            restart: async (how) => {
              await node.kill(how === 'kill' ? 'SIGKILL' : 'SIGTERM')
              node = await startRelayNode(args)
            },
          },
          { runs: KILL_RUNS, seed: SEED },
        )
        report('sync convergence through a killed relay process', started, seen)
        if (seen.cases >= 20) expect(seen.restarts).toBeGreaterThan(0)
      } finally {
        await node.kill()
      }
    },
    budget(KILL_RUNS, 10_000),
  )
})
