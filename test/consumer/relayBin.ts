import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { userEnv } from './packedProject'

/** The installed `patchwire` bin of a project, running as its own process. */
export interface RelayBin {
  child: ChildProcess
  url: string
  exited: Promise<number | string>
}

const LISTENING = /^patchwire relay listening on (http:\/\/\S+)$/

/** Starts `<project>/node_modules/.bin/patchwire relay …args` and waits for its listening line. */
export function startRelayBin(project: string, args: string[]): Promise<RelayBin> {
  const child = spawn(join(project, 'node_modules/.bin/patchwire'), ['relay', ...args], {
    cwd: project,
    env: userEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  )
  let output = ''
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString()
  })
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      output += `${line}\n`
      const m = LISTENING.exec(line)
      if (m) resolve({ child, url: m[1]!, exited })
    })
    void exited.then((code) => reject(new Error(`patchwire relay exited (${code}): ${output}`)))
  })
}

/** Stops a bin started by `startRelayBin` and waits until it is gone. */
export async function stopRelayBin(bin: RelayBin): Promise<void> {
  if (bin.child.exitCode === null && bin.child.signalCode === null) bin.child.kill('SIGKILL')
  await bin.exited
}
