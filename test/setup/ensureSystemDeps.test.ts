import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'

const SCRIPT = 'test/setup/ensureSystemDeps.mjs'
// As root the script would install; run it as an unprivileged user to see what a developer sees.
const unprivileged = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {}

describe('pretest: ensureSystemDeps', () => {
  it('passes silently when redis-server and chromium are installed', () => {
    const run = spawnSync(process.execPath, [SCRIPT], { encoding: 'utf8' })
    expect(run.status).toBe(0)
    expect(run.stdout + run.stderr).toBe('')
  })

  it('without root, stops with the exact apt-get command when redis-server is missing', () => {
    const run = spawnSync(process.execPath, [SCRIPT], {
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
