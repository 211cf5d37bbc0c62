#!/usr/bin/env node
// npm test's pretest step: the suite needs two system packages npm cannot
// install, redis-server (the Redis tests start their own) and Debian's
// Chromium at /usr/bin/chromium (the browser tests). On a fresh machine this
// installs them when it runs as root, so `npm ci && npm test` is all the
// set-up; otherwise it stops before the suite with the command to run.
import { spawnSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'

const CHROMIUM = '/usr/bin/chromium'

function executable(file) {
  try {
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function onPath(command) {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .some((dir) => dir !== '' && executable(join(dir, command)))
}

function missingPackages() {
  const missing = []
  if (!onPath('redis-server')) missing.push('redis-server')
  if (!executable(CHROMIUM)) missing.push('chromium')
  return missing
}

const missing = missingPackages()
if (missing.length > 0) {
  const packages = missing.join(' ')
  if (process.getuid?.() !== 0) {
    console.error(`The test suite needs ${packages}. Install with:`)
    console.error(`  sudo apt-get update && sudo apt-get install -y ${packages}`)
    process.exit(1)
  }
  console.log(`installing ${packages} for the test suite`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  for (const args of [['update'], ['install', '-y', ...missing]]) {
    const run = spawnSync('apt-get', args, { stdio: 'inherit', env })
    if (run.status !== 0) {
      console.error(`apt-get ${args.join(' ')} failed; run it by hand:`)
      console.error(`  apt-get update && apt-get install -y ${packages}`)
      process.exit(1)
    }
  }
  const still = missingPackages()
  if (still.length > 0) {
    console.error(`still missing after apt-get install: ${still.join(' ')}`)
    process.exit(1)
  }
}
