import { spawn } from 'node:child_process'
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root, where the package is built and packed. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** What a finished child process said. */
export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
}

/**
 * The environment for commands run as a user would: without the `npm_*`
 * variables of an enclosing `npm test`, which would point npm at this repository.
 */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && !key.startsWith('VITEST')) env[key] = value
  }
  return { ...env, ...extra }
}

/** Runs a command to its end without blocking the event loop (installs run side by side). */
export function run(command: string, args: string[], cwd: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
    })
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** Like `run`, but a non-zero exit is an error carrying the output. */
export async function runOk(command: string, args: string[], cwd: string): Promise<RunResult> {
  const result = await run(command, args, cwd)
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.code} in ${cwd}:\n${result.stdout}\n${result.stderr}`,
    )
  }
  return result
}

/** Packs the package as published (its prepack script builds it); resolves the tarball's path. */
export async function packTarball(dest: string): Promise<string> {
  await runOk('npm', ['pack', '--pack-destination', dest], ROOT)
  const tarball = readdirSync(dest).find((f) => f.endsWith('.tgz'))
  if (!tarball) throw new Error(`npm pack left no tarball in ${dest}`)
  return join(dest, tarball)
}

/**
 * Creates an ESM project in `dir` and installs exactly `packages` into it from
 * the registry, `patchwire` being the packed tarball.
 */
export async function createProject(
  dir: string,
  packages: string[],
  tarball: string,
): Promise<void> {
  mkdirSync(dir, { recursive: true })
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify(
      {
        name: 'patchwire-consumer',
        private: true,
        type: 'module',
        // npm 11 reviews install scripts; better-sqlite3 builds its native module in one.
        allowScripts: { 'better-sqlite3': true },
      },
      null,
      2,
    )}\n`,
  )
  const specs = packages.map((p) => (p === 'patchwire' ? tarball : p))
  await runOk('npm', ['install', ...specs, '--no-audit', '--no-fund', '--prefer-offline'], dir)
}
