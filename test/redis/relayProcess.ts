import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'

/** A relay node started through the CLI as its own process, so SIGKILL really kills it. */
export interface RelayNode {
  child: ChildProcess
  port: number
  url: string
  /** Its JSON log lines so far. */
  lines: Record<string, unknown>[]
  /** The tail of what it wrote to stderr (a crash's stack trace). */
  stderr(): string
  exited: Promise<void>
  kill(signal?: NodeJS.Signals): Promise<void>
}

/** Where a node runs: by default in the caller's network namespace, reached on 127.0.0.1. */
export interface RelayNodePlace {
  /** Runs it inside this network namespace (`ip netns exec`), reached at `host`. */
  netns?: { name: string; host: string }
}

/** Runs `server/cli.ts relay --port 0 …args` and resolves once its `listening` line names the port. */
export function startRelayNode(args: string[], place: RelayNodePlace = {}): Promise<RelayNode> {
  const node = [process.execPath, '--import', 'tsx', 'server/cli.ts', 'relay', '--port', '0']
  const [command, ...rest] = place.netns
    ? ['ip', 'netns', 'exec', place.netns.name, ...node, ...args]
    : [...node, ...args]
  const host = place.netns?.host ?? '127.0.0.1'
  const child = spawn(command as string, rest, {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: Record<string, unknown>[] = []
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000)
  })
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    await exited
  }
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: Record<string, unknown>
      try {
        entry = JSON.parse(line) as Record<string, unknown>
      } catch {
        return
      }
      lines.push(entry)
      if (entry.msg === 'listening' && typeof entry.port === 'number') {
        const port = entry.port
        resolve({
          child,
          port,
          url: `http://${host}:${port}`,
          lines,
          stderr: () => stderr,
          exited,
          kill,
        })
      }
    })
    void exited.then(() =>
      reject(new Error(`relay node exited before listening: ${stderr} ${JSON.stringify(lines)}`)),
    )
  })
}
