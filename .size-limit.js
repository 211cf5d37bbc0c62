// Size budgets of what an app pays per import: esbuild, minified, gzip -9, with Redux
// Toolkit and React left to the app. `npm run size` builds dist/ and checks them; `npm test`
// runs it, so a change that pulls a feature's dependency into another feature fails CI.
// persist and stream each have two budgets: the import alone, and the working set-up (the
// sink and status slice they dispatch into), which is what an app pays.
const external = ['@reduxjs/toolkit', 'react', 'react-redux', 'react-dom']

// tsup's shared chunks are imported bare (`import './chunk-X.js'`) beside the named imports;
// esbuild warns each time it drops one as side-effect free, which is the point here.
const quiet = (config) => ({ ...config, logLevel: 'error' })

const check = (name, path, imported, limit) => ({
  name,
  path,
  ...(imported ? { import: imported } : {}),
  gzip: true,
  ignore: external,
  modifyEsbuildConfig: quiet,
  limit,
})

export default [
  check("import { persist } from 'patchwire'", 'dist/index.js', '{ persist }', '11.6 kB'),
  check(
    'persist set-up: withPatchwire, patchwireMiddleware, persist',
    'dist/index.js',
    '{ withPatchwire, patchwireMiddleware, persist }',
    '14.9 kB',
  ),
  check("import { stream } from 'patchwire'", 'dist/index.js', '{ stream }', '10.3 kB'),
  check(
    'stream set-up: withPatchwire, patchwireMiddleware, stream',
    'dist/index.js',
    '{ withPatchwire, patchwireMiddleware, stream }',
    '16.2 kB',
  ),
  check(
    'sync set-up: withPatchwire, applyPatch, sync, patchwireMiddleware, patchwireReducer',
    'dist/index.js',
    '{ withPatchwire, applyPatch, sync, patchwireMiddleware, patchwireReducer }',
    '36.3 kB',
  ),
  check("all of 'patchwire'", 'dist/index.js', '*', '55.7 kB'),
  check("all of 'patchwire/slices'", 'dist/slices.js', '*', '2.1 kB'),
  check("all of 'patchwire/react'", 'dist/react.js', '*', '6.6 kB'),
  check("'patchwire/stream-worker'", 'dist/stream-worker.js', undefined, '6.7 kB'),
]
