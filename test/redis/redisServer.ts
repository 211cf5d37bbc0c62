import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'

/** A `redis-server` child process on a free loopback port, for tests and benchmarks. */
export interface RedisServer {
  readonly port: number
  readonly url: string
  /** The data directory (AOF files live here when `appendonly` is on). */
  readonly dir: string
  /** Stops the process (SIGTERM, then SIGKILL), keeping the data directory. */
  stop(): Promise<void>
  /** Starts it again on the same port and directory; with AOF on, the data comes back. */
  restart(): Promise<void>
  /** Stops it and removes the data directory. */
  close(): Promise<void>
}

export interface RedisServerOptions {
  /**
   * Turn the append-only file on, so a restart keeps the data.
   * @default false
   */
  appendonly?: boolean
  /**
   * Runs it inside this network namespace (`ip netns exec <name>`), listening
   * on every address there, reached at `host`.
   * @default the caller's namespace, on 127.0.0.1
   */
  netns?: { name: string; host: string }
}

const NOT_FOUND = 'redis-server not found: install it (apt-get install redis-server)'

/** Asks the OS for a free loopback port: listen on port 0, read it, close. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      if (addr === null || typeof addr === 'string') {
        srv.close()
        reject(new Error('could not read a free port'))
        return
      }
      srv.close(() => resolve(addr.port))
    })
  })
}

/** Throws when `redis-server` is missing, so the Redis tests fail instead of skipping. */
export function assertInstalled(): void {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' })
  // A missing binary must fail the run loudly: the Redis tests are never skipped.
  if (probe.error || probe.status !== 0) throw new Error(NOT_FOUND)
}

/** Waits until the server on `host:port` answers PING, failing with its output if it exits or never answers. */
export async function waitForPing(
  port: number,
  child: ChildProcess,
  output: () => string,
  host = '127.0.0.1',
): Promise<void> {
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`redis-server exited with ${child.exitCode}: ${output()}`)
    }
    const client = new Redis({
      port,
      host,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableOfflineQueue: false,
    })
    client.on('error', () => {})
    try {
      await client.connect()
      if ((await client.ping()) === 'PONG') return
    } catch {
      // Not listening yet (or still loading the AOF); try again shortly.
    } finally {
      client.disconnect()
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`redis-server on ${host}:${port} did not answer PING: ${output()}`)
}

/**
 * Starts `redis-server` on a free loopback port and waits until it answers PING.
 * Throws "redis-server not found: install it (apt-get install redis-server)" when
 * the binary is missing, so a machine without Redis fails the suite instead of skipping it.
 *
 * @example
 * ```ts
 * const redis = await startRedisServer({ appendonly: true })
 * afterAll(() => redis.close())
 * ```
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  assertInstalled()
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'patchwire-redis-'))
  let child: ChildProcess | undefined
  let log = ''
  const host = options.netns?.host ?? '127.0.0.1'
  const [command, ...prefix] = options.netns
    ? ['ip', 'netns', 'exec', options.netns.name, 'redis-server']
    : ['redis-server']

  const start = async () => {
    log = ''
    const proc = spawn(
      command as string,
      [
        ...prefix,
        '--port',
        String(port),
        // In a namespace of its own it serves the other namespaces' links, not loopback.
        ...(options.netns ? ['--bind', '0.0.0.0', '--protected-mode', 'no'] : ['--bind', host]),
        '--save',
        '',
        '--appendonly',
        options.appendonly ? 'yes' : 'no',
        // Every write reaches the AOF before the reply, so a restart in the tests loses nothing.
        '--appendfsync',
        'always',
        '--dir',
        dir,
        '--daemonize',
        'no',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    proc.stdout?.on('data', (d: Buffer) => {
      log = (log + d.toString()).slice(-4000)
    })
    proc.stderr?.on('data', (d: Buffer) => {
      log = (log + d.toString()).slice(-4000)
    })
    child = proc
    await waitForPing(port, proc, () => log, host)
  }

  const stop = async () => {
    const proc = child
    child = undefined
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
    proc.kill('SIGTERM')
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000)
    await exited
    clearTimeout(timer)
  }

  await start()
  return {
    port,
    url: `redis://${host}:${port}`,
    dir,
    stop,
    restart: async () => {
      await stop()
      await start()
    },
    close: async () => {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
