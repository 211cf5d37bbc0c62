import { createHash } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'
import { build } from 'vite'
import { buildExamples, EXAMPLES_DIST, examplesBuilt } from '../../examples/build'
import { createExampleServer, type ExampleServer } from '../../examples/server/index'
import { memoryStore, type RelayStore } from '../../server/index'

export const CHROMIUM = '/usr/bin/chromium'
export const SCREENSHOTS = 'test-output/e2e'

/** Launches Debian's Chromium headless, or fails saying how to get it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The browser tests need Debian's Chromium at ${CHROMIUM}; install it with ` +
        '`apt-get install -y chromium` (.ci/run does this when test/e2e exists).',
    )
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  })
}

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs)
  }
  return newest
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

// Test files run in parallel workers and several of them serve examples/dist: a
// build empties the folder first, so two at once would break each other's pages.
async function withBuildLock<T>(run: () => Promise<T>): Promise<T> {
  const id = createHash('sha1').update(EXAMPLES_DIST).digest('hex').slice(0, 12)
  const lock = join(tmpdir(), `patchwire-examples-build-${id}.lock`)
  for (;;) {
    try {
      mkdirSync(lock)
      writeFileSync(join(lock, 'pid'), String(process.pid))
      break
    } catch {
      // Held: wait for its holder, or take it over when the holder died mid-build.
      const holder = Number(
        existsSync(join(lock, 'pid')) ? readFileSync(join(lock, 'pid'), 'utf8') : 0,
      )
      if (holder > 0 && !alive(holder)) rmSync(lock, { recursive: true, force: true })
      else await new Promise((r) => setTimeout(r, 100))
    }
  }
  try {
    return await run()
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}

/** Builds the examples unless a build newer than every source already exists. */
export function ensureExamplesBuilt(): Promise<string> {
  return withBuildLock(async () => {
    const built = examplesBuilt() ? statSync(join(EXAMPLES_DIST, 'index.html')).mtimeMs : 0
    const sources = Math.max(...['examples', 'src', 'middleware', 'slices'].map(newestMtime))
    if (built < sources) await buildExamples()
    return EXAMPLES_DIST
  })
}

/** An example server that can be stopped and started again on the same port and store. */
export interface RestartableServer {
  url: string
  current(): ExampleServer
  restart(): Promise<void>
  close(): Promise<void>
}

/** The example server's tick in the tests: a metrics point and a requests-by-route row each. */
export const EXAMPLE_TICK_MS = 200

/** Starts the example server (relay + apps + metrics) on 127.0.0.1, port 0. */
export async function startExampleServer(staticDir: string): Promise<RestartableServer> {
  // The relay's state outlives a restart, like the SQLite file of `npm start`.
  const store: RelayStore = memoryStore()
  const make = () =>
    createExampleServer({
      staticDir,
      relay: { store, closeStore: false },
      metrics: { intervalMs: EXAMPLE_TICK_MS },
    })
  let server = make()
  const port = await server.listen(0)
  return {
    url: `http://127.0.0.1:${port}`,
    current: () => server,
    async restart() {
      await server.close()
      server = make()
      await server.listen(port)
    },
    async close() {
      await server.close()
      await store.close()
    },
  }
}

/** Saves a full-page screenshot under test-output/e2e/. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  const path = join(SCREENSHOTS, `${name}.png`)
  await page.screenshot({ path, fullPage: false })
  return path
}

/** Collects the page's uncaught errors, so a test can assert there were none. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(err.message))
  return errors
}

/** Builds a test page (its `index.html` under `root`) with Vite into `outDir`. */
export async function buildTestPage(root: string, outDir: string): Promise<void> {
  await build({
    configFile: false,
    root,
    base: '/',
    logLevel: 'warn',
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      ...(process.env.PATCHWIRE_NO_MINIFY ? { minify: false } : {}),
      rollupOptions: {
        // zod ships a comment Rollup cannot place; it is harmless and would drown real warnings.
        onwarn(warning, warn) {
          if (warning.code !== 'INVALID_ANNOTATION') warn(warning)
        },
      },
    },
  })
}
