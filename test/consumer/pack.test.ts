import { execFileSync } from 'node:child_process'
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ROOT, runOk } from './packedProject'

const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

/** Every file an `exports` map (or `bin`) points at, without the leading `./`. */
function targets(value: unknown, into: Set<string>): Set<string> {
  if (typeof value === 'string') into.add(value.replace(/^\.\//, ''))
  else if (value !== null && typeof value === 'object')
    for (const v of Object.values(value)) targets(v, into)
  return into
}

describe('the package as npm packs it', () => {
  it('npm pack in a fresh checkout, with no dist/ yet, builds and ships every file the exports map and the bin name', async () => {
    // The tracked files only, as a fresh clone has them: no dist/, no earlier build.
    const checkout = mkdtempSync(join(tmpdir(), 'patchwire-pack-'))
    dirs.push(checkout)
    const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' })
      .split('\0')
      .filter((f) => f !== '')
    for (const file of tracked) {
      mkdirSync(join(checkout, dirname(file)), { recursive: true })
      copyFileSync(join(ROOT, file), join(checkout, file))
    }
    symlinkSync(join(ROOT, 'node_modules'), join(checkout, 'node_modules'))
    const out = join(checkout, 'packed')
    mkdirSync(out)
    await runOk('npm', ['pack', '--pack-destination', out], checkout)
    const tarball = readdirSync(out).find((f) => f.endsWith('.tgz'))
    expect(tarball).toBeDefined()
    const listing = execFileSync('tar', ['-tzf', join(out, tarball!)], { encoding: 'utf8' })
    const shipped = new Set(listing.split('\n').map((f) => f.replace(/^package\//, '')))
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
    const named = targets(pkg.bin, targets(pkg.exports, new Set()))
    expect(named.size).toBeGreaterThan(10)
    const missing = [...named].filter((f) => !shipped.has(f))
    expect(missing).toEqual([])
  }, 600_000)
})
