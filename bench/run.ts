/**
 * Runs every benchmark in bench/ (each `*.ts` except this file), one after the
 * other so they do not compete for the CPU, and exits non-zero if one fails.
 *
 * Run: npm run bench
 */
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const self = basename(fileURLToPath(import.meta.url))
const benches = readdirSync(here)
  // Files starting with '_' are helpers or scratch, not benchmarks.
  .filter((f) => f.endsWith('.ts') && f !== self && !f.endsWith('.d.ts') && !f.startsWith('_'))
  .sort()

let failed = 0
for (const file of benches) {
  console.log(`\n=== bench/${file} ===`)
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(here, file)], {
    stdio: 'inherit',
  })
  if (result.status !== 0) {
    failed++
    console.error(`bench/${file} failed (exit ${result.status ?? result.signal})`)
  }
}
console.log(`\n${benches.length - failed} of ${benches.length} benchmarks ran`)
process.exit(failed === 0 ? 0 : 1)
