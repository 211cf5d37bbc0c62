import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { afterEach } from 'vitest'

/** A relay CLI running as a child process (one node process, so SIGKILL really kills it). */
export interface RelayProcess {
  child: ChildProcess
  port: number
  /** The URL from its plain `patchwire relay listening on <url>` line. */
  url: string
  /** Its JSON log lines so far. */
  lines: Record<string, unknown>[]
  /** Resolves with the exit code (or signal) once the process ended. */
  exited: Promise<number | string>
}

const LISTENING = /^patchwire relay listening on (http:\/\/\S+:(\d+))$/

/**
 * Spawns `server/cli.ts relay …args` with tsx's loader and waits for the plain
 * `patchwire relay listening on <url>` line, printed whatever the log level
 * (after the JSON `listening` log line, when that one is shown).
 */
export function spawnRelay(args: string[]): Promise<RelayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', 'relay', ...args], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: Record<string, unknown>[] = []
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  )
  let stderr = ''
  child.stderr?.on('data', (d) => {
    stderr += String(d)
  })
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const listening = LISTENING.exec(line)
      if (listening) {
        resolve({ child, port: Number(listening[2]), url: listening[1]!, lines, exited })
        return
      }
      try {
        const entry = JSON.parse(line) as Record<string, unknown>
        lines.push(entry)
      } catch {
        // Not a log line; ignore.
      }
    })
    void exited.then((code) =>
      reject(
        new Error(`relay exited (${code}) before listening: ${stderr}${JSON.stringify(lines)}`),
      ),
    )
  })
}

/**
 * Relay processes and client sockets of one test file, cleaned up after each
 * test: sockets disconnected, processes still running killed and awaited.
 */
export function trackRelayProcesses<S extends { disconnect(): unknown }>(): {
  start(args: string[]): Promise<RelayProcess>
  sockets: S[]
} {
  const procs: RelayProcess[] = []
  const sockets: S[] = []
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.disconnect()
    for (const p of procs.splice(0)) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL')
      await p.exited
    }
  })
  return {
    sockets,
    start: async (args) => {
      const p = await spawnRelay(args)
      procs.push(p)
      return p
    },
  }
}

/** What a relay CLI run that ended on its own printed, and its exit code. */
export interface RelayRun {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `server/cli.ts relay …args` to its end (for refusals and --help); kills it after 60 s. */
export function runRelayCli(args: string[]): Promise<RelayRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', 'relay', ...args], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (d) => {
    stdout += String(d)
  })
  child.stderr?.on('data', (d) => {
    stderr += String(d)
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    }),
  )
}
