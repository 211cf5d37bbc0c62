import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

/**
 * Runs the suite once against the built package (dist/, as packed) instead of the sources:
 * `npm run test:packed` (builds first).
 *
 * Every test file whose only relative import is `../../src/index` (the public entry) runs
 * with that import mapped to dist/index.js. Files that reach into internals or into other
 * folders stay out: mixing a source copy with the built copy would split module state.
 * test/packed/*.packed.ts import the package by its own name, in ESM and CJS.
 */
const root = fileURLToPath(new URL('.', import.meta.url))
const entry = join(root, 'dist/index.js')

function publicApiOnly(dir: string): string[] {
  const out: string[] = []
  for (const item of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${item.name}`
    if (item.isDirectory()) out.push(...publicApiOnly(rel))
    else if (/\.test\.tsx?$/.test(item.name)) {
      const text = readFileSync(join(root, rel), 'utf8')
      const relative = [...text.matchAll(/from '(\.[^']*)'/g)].map((m) => m[1])
      if (relative.length > 0 && relative.every((spec) => spec === '../../src/index')) out.push(rel)
    }
  }
  return out
}

export default defineConfig({
  resolve: {
    alias: [
      { find: /^\.\.\/\.\.\/src\/index$/, replacement: entry },
      { find: /^patchwire$/, replacement: entry },
    ],
  },
  test: {
    include: ['test/packed/**/*.packed.ts', ...publicApiOnly('test')],
    testTimeout: 30_000,
    pool: 'forks',
    reporters: ['default', 'json'],
    outputFile: { json: 'test-output/vitest-packed.json' },
  },
})
