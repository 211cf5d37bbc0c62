import { execFile, spawnSync } from 'node:child_process'
import { randomBytes, randomInt } from 'node:crypto'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** How a node is cut off from Redis: its link to Redis goes down, or its route to Redis is removed. */
export type CutMode = 'link' | 'route'

/**
 * Hosts made of network namespaces: Redis in one, each relay node in its own,
 * and the test in the namespace it started in. Every pair that talks has a
 * point-to-point veth link of its own with link-local addresses
 * (169.254.0.0/16), so cutting a node's link to Redis leaves its link to the
 * clients up:
 *
 * ```
 * test ── root link ── Redis
 *   │                    │
 *   └─ client link ─ node i ─ redis link ─┘
 * ```
 */
export interface HostNetwork {
  /** The Redis namespace and its address on the test's link. */
  readonly redis: { name: string; host: string }
  /** Node i's namespace and its address on its client link (where the test's clients connect). */
  node(i: number): { name: string; host: string }
  /** Redis's address on node i's own link to it. */
  redisHostFor(i: number): string
  /** Cuts node i off from Redis; its clients still reach it. */
  cut(i: number, mode: CutMode): Promise<void>
  /** Restores what `cut` took, and waits until node i has a route to Redis again. */
  heal(i: number): Promise<void>
  /** Deletes the namespaces, and with them every link. */
  close(): Promise<void>
}

async function ip(...args: string[]): Promise<void> {
  try {
    await run('ip', args)
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? String(err)
    throw new Error(`ip ${args.join(' ')} failed: ${stderr.trim()}`)
  }
}

/**
 * Why this machine cannot build namespaces, or `undefined` when it can: the
 * test then runs its scenario without them and prints this reason.
 */
export function namespacesUnavailable(): string | undefined {
  if (process.getuid?.() !== 0)
    return 'network namespaces need root, and the tests run unprivileged'
  const name = `pwprobe${randomBytes(3).toString('hex')}`
  const added = spawnSync('ip', ['netns', 'add', name], { encoding: 'utf8' })
  if (added.error) return `the ip command is missing (${added.error.message})`
  if (added.status !== 0) return `the kernel refused a network namespace: ${added.stderr.trim()}`
  const veth = spawnSync(
    'ip',
    ['-n', name, 'link', 'add', 'name', 'pwa', 'type', 'veth', 'peer', 'name', 'pwb'],
    {
      encoding: 'utf8',
    },
  )
  spawnSync('ip', ['netns', 'del', name])
  if (veth.status !== 0) return `the kernel refused a veth pair: ${veth.stderr.trim()}`
  return undefined
}

interface Link {
  /** Interface names on side a and side b. */
  a: string
  b: string
  /** Addresses of a and b, and the /30 they share. */
  addrA: string
  addrB: string
  net: string
  /** Namespace of side a (`undefined`: the test's own). */
  nsA: string | undefined
}

/**
 * Builds the namespaces and links for `nodes` relay nodes. Addresses come
 * from one random 169.254.X.0/24 per network, so parallel test files do not
 * collide.
 *
 * @example
 * ```ts
 * const net = await createHostNetwork(2)
 * const redis = await startRedisServer({ netns: net.redis })
 * await net.cut(0, 'link')
 * ```
 */
export async function createHostNetwork(nodes: number): Promise<HostNetwork> {
  const id = randomBytes(2).toString('hex')
  const third = randomInt(1, 255)
  const redisNs = `pw${id}r`
  const nodeNs = Array.from({ length: nodes }, (_, i) => `pw${id}n${i}`)
  const made: string[] = []
  let next = 0
  const link = async (nsA: string | undefined, nsB: string): Promise<Link> => {
    const k = next++
    const base = 4 * k
    const l: Link = {
      a: `pw${id}k${k}a`,
      b: `pw${id}k${k}b`,
      addrA: `169.254.${third}.${base + 1}`,
      addrB: `169.254.${third}.${base + 2}`,
      net: `169.254.${third}.${base}/30`,
      nsA,
    }
    await ip('link', 'add', l.a, 'type', 'veth', 'peer', 'name', l.b)
    if (nsA) await ip('link', 'set', l.a, 'netns', nsA)
    await ip('link', 'set', l.b, 'netns', nsB)
    const inA = nsA ? ['-n', nsA] : []
    await ip(...inA, 'addr', 'add', `${l.addrA}/30`, 'dev', l.a)
    await ip('-n', nsB, 'addr', 'add', `${l.addrB}/30`, 'dev', l.b)
    await ip(...inA, 'link', 'set', l.a, 'up')
    await ip('-n', nsB, 'link', 'set', l.b, 'up')
    return l
  }

  const close = async () => {
    // Deleting a namespace deletes the veth ends in it, and so their peers.
    await Promise.all(made.map((ns) => ip('netns', 'del', ns).catch(() => {})))
  }

  try {
    for (const ns of [redisNs, ...nodeNs]) {
      await ip('netns', 'add', ns)
      made.push(ns)
      await ip('-n', ns, 'link', 'set', 'lo', 'up')
    }
    const rootToRedis = await link(undefined, redisNs)
    const toRedis: Link[] = []
    const toClients: Link[] = []
    for (const ns of nodeNs) {
      toRedis.push(await link(ns, redisNs))
      toClients.push(await link(undefined, ns))
    }
    const cuts = new Map<number, CutMode>()
    const redisLink = (i: number): Link => {
      const l = toRedis[i]
      if (!l) throw new Error(`there is no node ${i}`)
      return l
    }

    return {
      redis: { name: redisNs, host: rootToRedis.addrB },
      node: (i) => ({ name: nodeNs[i] as string, host: (toClients[i] as Link).addrB }),
      redisHostFor: (i) => redisLink(i).addrB,
      cut: async (i, mode) => {
        const l = redisLink(i)
        const ns = l.nsA as string
        if (mode === 'link') await ip('-n', ns, 'link', 'set', l.a, 'down')
        else await ip('-n', ns, 'route', 'del', l.net, 'dev', l.a)
        cuts.set(i, mode)
      },
      heal: async (i) => {
        const l = redisLink(i)
        const ns = l.nsA as string
        const mode = cuts.get(i)
        cuts.delete(i)
        if (mode === 'link') await ip('-n', ns, 'link', 'set', l.a, 'up')
        if (mode === 'route') {
          await ip('-n', ns, 'route', 'add', l.net, 'dev', l.a, 'src', l.addrA)
        }
        // The link's own route comes back with the link; wait until it did.
        for (let tries = 0; tries < 200; tries++) {
          const { stdout } = await run('ip', ['-n', ns, 'route', 'get', l.addrB]).catch(() => ({
            stdout: '',
          }))
          if (stdout.includes(`dev ${l.a}`)) return
          await new Promise((r) => setTimeout(r, 25))
        }
        throw new Error(`node ${i} has no route to Redis after heal`)
      },
      close,
    }
  } catch (err) {
    await close()
    throw err
  }
}
