import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Redis } from 'ioredis'
import { assertInstalled, freePort, waitForPing } from './redisServer'

const run = promisify(execFile)

/** One `redis-server` of a test cluster. */
export interface ClusterNodeProcess {
  readonly port: number
  /** Kills the process at once (SIGKILL), as a crash would. */
  kill(): Promise<void>
}

/** A real Redis Cluster of child processes on free loopback ports. */
export interface RedisCluster {
  /** `redis+cluster://127.0.0.1:<port>,…` naming every node. */
  readonly url: string
  readonly nodes: readonly ClusterNodeProcess[]
  /** The port of the master that holds `key`'s slot now. */
  masterOf(key: string): Promise<number>
  /**
   * Every fault below first waits until the master holding `key` has a
   * replica whose link to it is up: a node that was a master (a frozen one
   * that woke, say) shows as a replica before it has synced, and a replica
   * that never synced is not allowed to take over, so faulting its master
   * then would leave the slots uncovered for good.
   *
   * Promotes the replica of the master holding `key` with CLUSTER FAILOVER
   * (the replica catches up, then takes the slots over) and waits until every
   * node agrees on the new master. Resolves to the new master's port.
   * `meanwhile` runs once the failover has begun, before it completed (so is
   * every `meanwhile` below).
   */
  failover(key: string, meanwhile?: () => void): Promise<number>
  /**
   * Freezes the master holding `key` with DEBUG SLEEP for `seconds`, long
   * enough for the other nodes to declare it failed and promote its replica,
   * and waits until they did. Resolves to the new master's port; the frozen
   * one wakes later and rejoins as a replica.
   */
  freezeMaster(key: string, seconds: number, meanwhile?: () => void): Promise<number>
  /**
   * Kills the master holding `key` (SIGKILL) and waits until the other nodes
   * promoted its replica. Resolves to the new master's port.
   */
  killMaster(key: string, meanwhile?: () => void): Promise<number>
  /**
   * Waits until the master holding `key` has a replica whose replication
   * link is up, and resolves to that replica's port.
   */
  replicaInSync(key: string): Promise<number>
  /** Stops every node and removes the data directories. */
  close(): Promise<void>
}

export interface RedisClusterOptions {
  /** Masters, each holding a third (or so) of the slots. @default 3 */
  masters?: number
  /** Replicas per master, for failover. @default 0 */
  replicasPerMaster?: number
}

async function command(port: number, ...args: string[]): Promise<string> {
  // Bounded, so asking a frozen node fails instead of hanging the harness.
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
    timeout: 5_000,
  })
  return stdout
}

async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`the test cluster did not get there in ${ms} ms: ${what}`)
}

interface NodeLine {
  id: string
  port: number
  master: boolean
  masterId: string
  slots: string[]
  failed: boolean
}

/** CLUSTER NODES as one node sees it. */
async function clusterNodes(port: number): Promise<NodeLine[]> {
  return (await command(port, 'CLUSTER', 'NODES'))
    .trim()
    .split('\n')
    .map((line) => {
      const [id = '', addr = '', flags = '', masterId = '', , , , , ...slots] = line.split(' ')
      return {
        id,
        port: Number(addr.split('@')[0]?.split(':')[1]),
        master: flags.includes('master'),
        masterId,
        slots,
        failed: flags.includes('fail'),
      }
    })
}

/**
 * Starts a Redis Cluster: `masters` masters with `replicasPerMaster` replicas
 * each, joined with `redis-cli --cluster create`, and waits until every node
 * reports `cluster_state:ok` and every replica is in sync. Like
 * `startRedisServer`, a missing redis-server fails loudly instead of skipping.
 *
 * @example
 * ```ts
 * const cluster = await startRedisCluster({ replicasPerMaster: 1 })
 * const store = redisStore(cluster.url)
 * ```
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  assertInstalled()
  const masters = options.masters ?? 3
  const replicas = options.replicasPerMaster ?? 0
  const count = masters * (1 + replicas)
  const dir = mkdtempSync(join(tmpdir(), 'patchwire-cluster-'))
  const ports: number[] = []
  // freePort closes its probe before returning, so ask for all ports first and keep them distinct.
  while (ports.length < count) {
    const port = await freePort()
    // The cluster bus listens on port + 10000: both must be usable.
    if (port + 10_000 <= 65_535 && !ports.includes(port)) ports.push(port)
  }
  const children: ChildProcess[] = []
  const logs: string[] = ports.map(() => '')
  const nodes: ClusterNodeProcess[] = ports.map((port, i) => {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout',
        '3000',
        '--enable-debug-command',
        'local',
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--appendfilename',
        `appendonly-${port}.aof`,
        '--appenddirname',
        `aof-${port}`,
        '--dir',
        dir,
        '--daemonize',
        'no',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    const keep = (d: Buffer) => {
      logs[i] = (logs[i] + d.toString()).slice(-4000)
    }
    child.stdout?.on('data', keep)
    child.stderr?.on('data', keep)
    children.push(child)
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null) resolve()
      else child.once('exit', () => resolve())
    })
    return {
      port,
      kill: async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
        await exited
      },
    }
  })

  const close = async () => {
    await Promise.all(nodes.map((n) => n.kill()))
    rmSync(dir, { recursive: true, force: true })
  }

  try {
    await Promise.all(
      children.map((child, i) => waitForPing(ports[i] as number, child, () => logs[i] ?? '')),
    )
    await run('redis-cli', [
      '--cluster',
      'create',
      ...ports.map((p) => `127.0.0.1:${p}`),
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ])
    await until('every node reports cluster_state:ok', async () => {
      const infos = await Promise.all(ports.map((p) => command(p, 'CLUSTER', 'INFO')))
      return infos.every((i) => i.includes('cluster_state:ok'))
    })
    await until('every replica is in sync with its master', async () => {
      const views = await Promise.all(ports.map((p) => command(p, 'INFO', 'replication')))
      return views.every((v) => v.includes('role:master') || v.includes('master_link_status:up'))
    })
  } catch (err) {
    await close()
    throw err
  }

  const masterOf = async (key: string): Promise<number> => {
    const slot = Number((await command(ports[0] as number, 'CLUSTER', 'KEYSLOT', key)).trim())
    for (const port of ports) {
      const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true })
      client.on('error', () => {})
      try {
        await client.connect()
        const slots = (await client.call('CLUSTER', 'SLOTS')) as [
          number,
          number,
          [string, number],
        ][]
        const owner = slots.find(([from, to]) => slot >= from && slot <= to)
        if (owner) return owner[2][1]
      } catch {
        // This node is down; ask the next one.
      } finally {
        client.disconnect()
      }
    }
    throw new Error(`no node of the test cluster knows who holds slot ${slot}`)
  }

  /** The port of a replica of `master` whose replication link is up, once there is one. */
  const syncedReplicaOf = async (master: number): Promise<number> => {
    let found: number | undefined
    await until(`a replica of port ${master} is in sync with it`, async () => {
      const view = await clusterNodes(master)
      const me = view.find((n) => n.port === master)
      const replicas = view.filter((n) => !n.master && n.masterId === me?.id)
      for (const r of replicas) {
        const info = await command(r.port, 'INFO', 'replication').catch(() => '')
        if (info.includes(`master_port:${master}`) && info.includes('master_link_status:up')) {
          found = r.port
          return true
        }
      }
      return false
    })
    return found as number
  }

  /** Puts the master of `key` out of action with `fault`, then waits until the others promoted its replica. */
  const takeOver = async (
    key: string,
    meanwhile: (() => void) | undefined,
    fault: (oldMaster: number) => void | Promise<void>,
  ): Promise<number> => {
    const oldMaster = await masterOf(key)
    const replica = await syncedReplicaOf(oldMaster)
    await fault(oldMaster)
    meanwhile?.()
    const others = ports.filter((p) => p !== oldMaster)
    await until(`port ${replica} took over from ${oldMaster}`, async () => {
      const answers = await Promise.all(
        others.map(async (p) => {
          const line = (await clusterNodes(p)).find((n) => n.port === replica)
          return line?.master === true && line.slots.length > 0
        }),
      )
      const infos = await Promise.all(others.map((p) => command(p, 'CLUSTER', 'INFO')))
      return answers.every(Boolean) && infos.every((i) => i.includes('cluster_state:ok'))
    })
    return replica
  }

  return {
    url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
    nodes,
    masterOf,
    replicaInSync: async (key) => syncedReplicaOf(await masterOf(key)),
    freezeMaster: (key, seconds, meanwhile) =>
      takeOver(key, meanwhile, (oldMaster) => {
        // Not awaited: the reply comes only when it wakes.
        execFile(
          'redis-cli',
          ['-h', '127.0.0.1', '-p', String(oldMaster), 'DEBUG', 'SLEEP', String(seconds)],
          () => {},
        )
      }),
    killMaster: (key, meanwhile) =>
      takeOver(key, meanwhile, async (oldMaster) => {
        await nodes.find((n) => n.port === oldMaster)?.kill()
      }),
    failover: async (key, meanwhile) => {
      const oldMaster = await masterOf(key)
      const replica = await syncedReplicaOf(oldMaster)
      await command(replica, 'CLUSTER', 'FAILOVER')
      meanwhile?.()
      await until(`port ${replica} is the master of "${key}" for every node`, async () => {
        const answers = await Promise.all(
          ports.map(async (p) => {
            const line = (await clusterNodes(p)).find((n) => n.port === replica)
            return line?.master === true && line.slots.length > 0
          }),
        )
        const infos = await Promise.all(ports.map((p) => command(p, 'CLUSTER', 'INFO')))
        return answers.every(Boolean) && infos.every((i) => i.includes('cluster_state:ok'))
      })
      return replica
    },
    close,
  }
}
