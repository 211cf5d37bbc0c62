/**
 * What an import costs an app: each of patchwire's entry points, bundled from the built
 * package (dist/, as published) the way an app's bundler does it, next to the libraries
 * an app would otherwise use for the same job. esbuild, minified, ESM for the browser,
 * gzip -9; Redux Toolkit (with redux, immer, reselect, redux-thunk) and React stay
 * external, since the app has them anyway. Sizes are deterministic: one run is enough.
 *
 * Run: npm run bench:bundle (builds dist/ first)
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'
import { breakDown } from './_bundleBreakdown'
import { printTable } from './_rounds'

const root = fileURLToPath(new URL('..', import.meta.url))
if (!existsSync(`${root}dist/index.js`)) {
  const built = spawnSync('npx', ['tsup'], { cwd: root, stdio: 'inherit' })
  if (built.status !== 0) throw new Error('bench/bundle: the build failed')
}

const external = [
  '@reduxjs/toolkit',
  'redux',
  'immer',
  'reselect',
  'redux-thunk',
  'react',
  'react-dom',
  'react-redux',
]

interface Bundled {
  minified: number
  gzip: number
  packages: Set<string>
}

/** Bundles `code` (an app's imports, used so nothing is dropped) and measures it. */
async function bundle(code: string): Promise<Bundled> {
  const result = await build({
    stdin: { contents: code, resolveDir: root, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    metafile: true,
    logLevel: 'error',
    external,
  })
  const out = result.outputFiles[0]!.contents
  const packages = new Set<string>()
  for (const [input, { bytesInOutput }] of Object.entries(
    Object.values(result.metafile.outputs)[0]!.inputs,
  )) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)
    if (match && bytesInOutput > 0) packages.add(match[1]!)
  }
  return { minified: out.length, gzip: gzipSync(out, { level: 9 }).length, packages }
}

const uses = (names: string[], from: string) =>
  `import { ${names.join(', ')} } from '${from}'\nconsole.log(${names.join(', ')})`

interface Row {
  job: string
  what: string
  code: string
  goal?: number
}

const pw = './dist/index.js'
const rows: Row[] = [
  {
    job: 'persist',
    what: 'patchwire: import { persist }',
    code: uses(['persist'], pw),
    goal: 6_000,
  },
  {
    job: 'persist',
    what: 'redux-persist: persistReducer, persistStore',
    code: uses(['persistReducer', 'persistStore'], 'redux-persist'),
  },
  {
    job: 'persist',
    what: 'redux-remember: rememberReducer, rememberEnhancer',
    code: uses(['rememberReducer', 'rememberEnhancer'], 'redux-remember'),
  },
  {
    // persist restores through applyPatch, so a working set-up has the sink and status slice too.
    job: 'persist',
    what: 'patchwire set-up: withPatchwire, patchwireMiddleware, persist',
    code: uses(['withPatchwire', 'patchwireMiddleware', 'persist'], pw),
  },
  { job: 'stream', what: 'patchwire: import { stream }', code: uses(['stream'], pw), goal: 7_000 },
  {
    job: 'stream',
    what: 'patchwire set-up: withPatchwire, patchwireMiddleware, stream',
    code: uses(['withPatchwire', 'patchwireMiddleware', 'stream'], pw),
  },
  {
    job: 'sync',
    what: 'patchwire: withPatchwire, applyPatch, sync, patchwireMiddleware, patchwireReducer',
    code: uses(
      ['withPatchwire', 'applyPatch', 'sync', 'patchwireMiddleware', 'patchwireReducer'],
      pw,
    ),
    goal: 25_000,
  },
  {
    job: 'sync',
    what: 'yjs + y-websocket: Doc, WebsocketProvider',
    code: `${uses(['Doc'], 'yjs')}\n${uses(['WebsocketProvider'], 'y-websocket')}`,
  },
  {
    job: 'sync',
    what: 'Logux: @logux/redux createStoreCreator + @logux/client CrossTabClient',
    code: `${uses(['createStoreCreator'], '@logux/redux')}\n${uses(['CrossTabClient'], '@logux/client')}`,
  },
  {
    job: 'sync',
    what: 'Liveblocks: @liveblocks/redux liveblocksEnhancer + @liveblocks/client createClient',
    code: `${uses(['liveblocksEnhancer'], '@liveblocks/redux')}\n${uses(['createClient'], '@liveblocks/client')}`,
  },
  {
    job: 'entry',
    what: "all of 'patchwire'",
    code: `import * as all from '${pw}'\nconsole.log(all)`,
  },
  {
    job: 'entry',
    what: "all of 'patchwire/slices'",
    code: "import * as all from './dist/slices.js'\nconsole.log(all)",
  },
  {
    job: 'entry',
    what: "all of 'patchwire/react'",
    code: "import * as all from './dist/react.js'\nconsole.log(all)",
  },
  {
    job: 'entry',
    what: "'patchwire/stream-worker'",
    code: "import './dist/stream-worker.js'",
  },
]

console.log(
  'bench/bundle: esbuild, minified, gzip -9, from dist/; Redux Toolkit and React external\n',
)
const table = [
  ['job', 'what the app imports', 'min B', 'gzip B', 'vs patchwire', 'goal', 'pulls in'],
]
const ours = new Map<string, number>()
for (const row of rows) {
  const b = await bundle(row.code)
  if (row.what.startsWith('patchwire') && !ours.has(row.job)) ours.set(row.job, b.gzip)
  const base = ours.get(row.job)
  const heavy = ['socket.io-client', 'eventsource-parser'].filter((p) => b.packages.has(p))
  table.push([
    row.job,
    row.what,
    b.minified.toLocaleString('en'),
    b.gzip.toLocaleString('en'),
    base === undefined || row.job === 'entry' ? '' : `${(b.gzip / base).toFixed(2)}x`,
    row.goal === undefined
      ? ''
      : `≤ ${row.goal.toLocaleString('en')}${b.gzip <= row.goal ? ' ✓' : ' ✗'}`,
    heavy.join(', '),
  ])
}
printTable(table, 2)

// What stands between each goal and its figure: the same imports bundled from the
// source, their bytes attributed to files through the source map (see _bundleBreakdown).
console.log(
  "\nWhere each goal row's bytes come from (bundled from src/; a group's share is what the whole gzip loses without it):\n",
)
for (const row of rows.filter((r) => r.goal !== undefined)) {
  const names = /import \{ ([^}]+) \}/.exec(row.code)![1]!
  const b = await breakDown(
    `import { ${names} } from './src/index.ts'\nconsole.log(${names})`,
    root,
    external,
  )
  const shown = b.groups.filter((g) => g.gzip >= 150)
  const rest = b.groups.filter((g) => g.gzip < 150)
  const share = [['group', 'min B', 'gzip share B']]
  for (const g of shown) share.push([g.group, g.minified.toLocaleString('en'), String(g.gzip)])
  share.push([
    `${rest.length} smaller groups`,
    rest.reduce((a, g) => a + g.minified, 0).toLocaleString('en'),
    String(rest.reduce((a, g) => a + g.gzip, 0)),
  ])
  console.log(
    `${row.what}: ${b.gzip.toLocaleString('en')} B gzip from src/ (goal ≤ ${row.goal!.toLocaleString('en')})`,
  )
  printTable(share, 1)
  console.log('')
}
