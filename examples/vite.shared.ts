import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import type { InlineConfig } from 'vite'

const here = fileURLToPath(new URL('.', import.meta.url))
const repo = fileURLToPath(new URL('..', import.meta.url))

/** The apps built into `examples/dist/<app>/`, each with its own `index.html`. */
export const EXAMPLE_APPS = ['chat', 'dashboard', 'cart', 'ssr'] as const

/**
 * The one Vite config every example shares. The apps import `patchwire` by
 * package name, as users do; the aliases point those names at the sources so
 * the examples need no library build (the package's `exports` stay the
 * published truth).
 */
export function exampleViteConfig(outDir = `${here}dist`): InlineConfig {
  return {
    configFile: false,
    root: here,
    base: '/',
    logLevel: 'warn',
    plugins: [react()],
    resolve: {
      alias: [
        { find: /^patchwire\/react$/, replacement: `${repo}src/react/index.ts` },
        { find: /^patchwire\/middleware$/, replacement: `${repo}middleware/index.ts` },
        { find: /^patchwire\/slices$/, replacement: `${repo}slices/index.ts` },
        { find: /^patchwire$/, replacement: `${repo}src/index.ts` },
      ],
    },
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      sourcemap: true,
      rollupOptions: {
        // zod ships a comment Rollup cannot place; it is harmless and would drown real warnings.
        onwarn(warning, warn) {
          if (warning.code !== 'INVALID_ANNOTATION') warn(warning)
        },
        input: {
          index: `${here}index.html`,
          ...Object.fromEntries(EXAMPLE_APPS.map((app) => [app, `${here}${app}/index.html`])),
        },
      },
    },
  }
}
