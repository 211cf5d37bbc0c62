#!/usr/bin/env node
import { readFileSync } from 'node:fs'
import { messageOf } from '../src/errors'
import { checkRelayPeers } from './cli/checkRelayPeers'
import { createLogger } from './cli/createLogger'
import { loadRelayConfig, RELAY_USAGE } from './cli/parseRelayArgs'
import type { RunningRelay } from './cli/runRelay'

const USAGE =
  'Usage: patchwire relay [options]   (patchwire relay --help)\n       patchwire versions <list|snapshot|restore> <room> [id]   (patchwire versions --help)\n       patchwire --version\n'

/** The installed package's version, from its package.json (beside dist/ and server/ alike). */
function packageVersion(): string {
  const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8')
  return (JSON.parse(text) as { version: string }).version
}

// `patchwire relay …` serves; `patchwire versions …` lists and restores room versions.
async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${packageVersion()}\n`)
    return
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE)
    return
  }
  if (command === 'versions') {
    process.exitCode = await versions(rest)
    return
  }
  if (command !== 'relay') {
    process.stderr.write(USAGE)
    process.exitCode = 2
    return
  }
  let config: Awaited<ReturnType<typeof loadRelayConfig>>
  try {
    config = await loadRelayConfig(rest)
  } catch (err) {
    // The message names the flag or key; the whole table would bury it.
    const message = messageOf(err)
    process.stderr.write(`${message}\n(patchwire relay --help lists every flag and its default.)\n`)
    process.exitCode = 2
    return
  }
  if (config.help) {
    process.stdout.write(RELAY_USAGE)
    return
  }
  const missing = checkRelayPeers(config)
  if (missing) {
    process.stderr.write(`${missing}\n`)
    process.exitCode = 1
    return
  }
  const log = createLogger(config.logLevel)
  let running: RunningRelay
  try {
    // Loaded only now: the relay imports socket.io, which --help and the check above do without.
    const { runRelay } = await import('./cli/runRelay')
    running = await runRelay(config)
  } catch (err) {
    log({ level: 'error', msg: messageOf(err) })
    process.exitCode = 1
    return
  }
  // Plain and unconditional, whatever --log-level hides: with --port 0 this is
  // the only place the chosen port shows, and scripts wait for this line.
  process.stdout.write(`patchwire relay listening on ${running.url}\n`)
  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) {
      // A second signal means "now": skip the graceful path.
      process.exit(1)
    }
    stopping = true
    log({ level: 'info', msg: 'signal', signal })
    running.shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        log({ level: 'error', msg: 'shutdown failed', error: String(err) })
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

async function versions(argv: string[]): Promise<number> {
  // Loaded only now: `patchwire relay` never needs it.
  const { parseVersionsArgs, runVersions, VERSIONS_USAGE } = await import('./cli/runVersions')
  let args: ReturnType<typeof parseVersionsArgs>
  try {
    args = parseVersionsArgs(argv)
  } catch (err) {
    process.stderr.write(`${messageOf(err)}\n(patchwire versions --help lists the commands.)\n`)
    return 2
  }
  if (args === 'help') {
    process.stdout.write(VERSIONS_USAGE)
    return 0
  }
  return runVersions(
    args,
    (line) => process.stdout.write(`${line}\n`),
    (line) => process.stderr.write(`${line}\n`),
  )
}

void main(process.argv.slice(2))
