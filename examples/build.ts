import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'
import { EXAMPLE_APPS, exampleViteConfig } from './vite.shared'

/** Where `buildExamples` writes: `examples/dist/index.html` and `examples/dist/<app>/`. */
export const EXAMPLES_DIST = fileURLToPath(new URL('./dist', import.meta.url))

/** True when every example page has been built. */
export function examplesBuilt(outDir = EXAMPLES_DIST): boolean {
  return [
    `${outDir}/index.html`,
    ...EXAMPLE_APPS.map((app) => `${outDir}/${app}/index.html`),
  ].every((file) => existsSync(file))
}

/**
 * Builds the index page and the three apps with Vite's JS API, in one pass so
 * React and patchwire are shared chunks.
 *
 * @example
 * ```sh
 * npx tsx examples/build.ts            # always builds
 * npx tsx examples/build.ts --if-missing
 * ```
 */
export async function buildExamples(outDir = EXAMPLES_DIST): Promise<string> {
  await build(exampleViteConfig(outDir))
  return outDir
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--if-missing') && examplesBuilt()) {
    console.log(`examples already built in ${EXAMPLES_DIST}`)
  } else {
    const started = Date.now()
    await buildExamples()
    console.log(`examples built in ${EXAMPLES_DIST} (${Date.now() - started} ms)`)
  }
}
