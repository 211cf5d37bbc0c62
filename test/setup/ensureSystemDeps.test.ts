import { spawnSync } from 'node:child_process'
import { chmodSync, copyFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const SCRIPT = 'test/setup/ensureSystemDeps.mjs'
// As root the script would install; run it as an unprivileged user to see what a developer sees.
const unprivileged = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {}

/** The script where an unprivileged user can read it (a checkout may sit in a folder only root can enter). */
function readableCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'patchwire-pretest-'))
  chmodSync(dir, 0o755)
  const file = join(dir, 'ensureSystemDeps.mjs')
  copyFileSync(SCRIPT, file)
  chmodSync(file, 0o644)
  return file
}

describe('pretest: ensureSystemDeps', () => {
  it('passes silently when redis-server and chromium are installed', () => {
    const run = spawnSync(process.execPath, [SCRIPT], { encoding: 'utf8' })
    expect(run.status).toBe(0)
    expect(run.stdout + run.stderr).toBe('')
  })

  it('without root, stops with the exact apt-get command when redis-server is missing', () => {
    const run = spawnSync(process.execPath, [readableCopy()], {
      encoding: 'utf8',
      env: { PATH: '/nonexistent' },
      ...unprivileged,
    })
    expect(run.status).toBe(1)
    expect(run.stderr).toContain('sudo apt-get update && sudo apt-get install -y redis-server\n')
  })

  it('runs before the suite as npm test’s pretest script', async () => {
    const { default: pkg } = await import('../../package.json', { with: { type: 'json' } })
    expect(pkg.scripts.pretest).toBe(`node ${SCRIPT}`)
  })
})
