import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'

/** A relay node started through the CLI as its own process, so SIGKILL really kills it. */
export interface RelayNode {
  child: ChildProcess
  port: number
  url: string
  /** Its JSON log lines so far. */
  lines: Record<string, unknown>[]
  exited: Promise<void>
  kill(signal?: NodeJS.Signals): Promise<void>
}

/** Runs `server/cli.ts relay --port 0 …args` and resolves once its `listening` line names the port. */
export function startRelayNode(args: string[]): Promise<RelayNode> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'server/cli.ts', 'relay', '--port', '0', ...args],
    { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] },
  )
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
        resolve({ child, port, url: `http://127.0.0.1:${port}`, lines, exited, kill })
      }
    })
    void exited.then(() =>
      reject(new Error(`relay node exited before listening: ${stderr} ${JSON.stringify(lines)}`)),
    )
  })
}
