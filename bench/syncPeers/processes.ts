// Starting and talking to the bench's child processes, and reading a
// process's CPU time and resident memory from /proc (the relay CLI is not
// ours to instrument).
import { type ChildProcess, fork, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..')
// Linux's USER_HZ: /proc times are in ticks of 10 ms.
const TICK_US = 10_000

// PATCHWIRE_BENCH_CPU_PROF=<dir>: every forked process writes a V8 CPU profile
// (node --cpu-prof) under <dir>/<script>-<kind>[-<role>] (client-patchwire-writer,
// server-memory, sliceClient-emitAck), to see where a peer's time goes.
const profileDir = process.env.PATCHWIRE_BENCH_CPU_PROF

/** Forks `bench/syncPeers/<script>` under tsx with an IPC channel. */
export function forkScript(script: string, args: string[]): ChildProcess {
  const profile = profileDir
    ? [
        '--cpu-prof',
        // client.ts <kind> <url> <role>, server.ts <kind>, sliceClient.ts <kind> …: named by peer and role.
        `--cpu-prof-dir=${join(profileDir, [script.replace(/\.ts$/, ''), args[0], script === 'client.ts' ? args[2] : undefined].filter(Boolean).join('-'))}`,
      ]
    : []
  return fork(join(here, script), args, {
    execArgv: ['--import', 'tsx', ...profile],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    cwd: root,
  })
}

/** The next IPC message of `child` that has `key`. */
export function nextMessage<T>(child: ChildProcess, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: Record<string, unknown>) => {
      if (!(key in m)) return
      child.off('message', onMessage)
      child.off('exit', onExit)
      resolve(m[key] as T)
    }
    const onExit = (code: number | null) =>
      reject(new Error(`child exited (${code}) before ${key}`))
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}

/** Starts `patchwire relay --port 0 …flags` and resolves with the process and its port. */
export function spawnRelayCli(flags: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'server/cli.ts', 'relay', '--port', '0', ...flags],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  )
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^patchwire relay listening on http:\/\/\S+:(\d+)$/.exec(line)
      if (m) resolve({ child, port: Number(m[1]) })
    })
    child.once('exit', (code) => reject(new Error(`relay CLI exited (${code})`)))
  })
}

/** CPU time (user + system, µs) a process has used so far. */
export function cpuOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * TICK_US
}

/** Resident memory of a process, in MB. */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  return kb / 1024
}

/**
 * Ends a child and waits for it to be gone: a forked one is asked first, by
 * closing its IPC channel (so a CPU profile gets written), then killed after 2 s.
 */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const gone = new Promise((r) => child.once('exit', r))
  if (child.connected) {
    child.disconnect()
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000)
    await gone
    clearTimeout(timer)
    return
  }
  child.kill('SIGKILL')
  await gone
}
