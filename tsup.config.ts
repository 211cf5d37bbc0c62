import { rmSync } from 'node:fs'
import { defineConfig } from 'tsup'

// Clean once, here: with `clean` on a config, tsup's declaration step deletes every
// .d.ts in dist/, including the ones the other config (server) built in parallel.
rmSync('dist', { recursive: true, force: true })

export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      middleware: 'middleware/index.ts',
      slices: 'slices/index.ts',
      react: 'src/react/index.ts',
      // A worker's own script: apps load it with new Worker(new URL(...), { type: 'module' }).
      'stream-worker': 'middleware/stream/worker/streamWorker.ts',
      // Not in the exports map: one entry per feature only to steer esbuild's splitting,
      // which groups modules by the set of entries that reach them. Without these, every
      // feature is reached by both `index` and `middleware` and lands in one shared chunk,
      // so `import { persist }` drags in sync's socket.io-client import.
      'features/persist': 'middleware/persist/persist.ts',
      'features/stream': 'middleware/stream/stream.ts',
      'features/sync': 'middleware/sync/sync.ts',
      'features/slices': 'slices/index.ts',
    },
    format: ['esm', 'cjs'],
    // Shared chunks in CJS too: module-level state (the sink's outcome table) must be one
    // instance whether an app loads `patchwire`, `patchwire/middleware` or `patchwire/react`.
    splitting: true,
    dts: true,
    sourcemap: true,
    platform: 'neutral',
    target: 'es2022',
    external: [
      /^@reduxjs\/toolkit/,
      'react',
      'react-redux',
      'socket.io-client',
      'eventsource-parser',
      /^@standard-schema/,
    ],
  },
  {
    entry: { server: 'server/index.ts', cli: 'server/cli.ts' },
    format: ['esm', 'cjs'],
    dts: { entry: { server: 'server/index.ts' } },
    sourcemap: true,
    platform: 'node',
    target: 'node20',
    // The optional peers are loaded with createRequire(import.meta.url) when first used
    // (server/loadOptionalPeer.ts), never imported at the top: the shim gives the CJS
    // build an import.meta.url.
    shims: true,
    external: [
      'better-sqlite3',
      'ioredis',
      'socket.io',
      '@socket.io/redis-adapter',
      'prom-client',
      'jose',
    ],
  },
])
