import { createLogger } from '../server/cli/createLogger'
import { isLoopback, loadRelayConfig, RELAY_USAGE } from '../server/cli/parseRelayArgs'
import { memoryStore, sqliteStore } from '../server/index'
import { buildExamples, EXAMPLES_DIST, examplesBuilt } from './build'
import { createExampleServer } from './server/index'

// `npm start`: builds the examples when they are missing, then serves them, their
// metrics feed and the relay (with the rooms' schemas) from one address. It
// takes the relay CLI's local flags (--port, --host, --db, --memory,
// --compact-every, --keep-tail, the limits, --log-level, --config). The rooms'
// schemas and the metrics route are example code, which the published CLI must
// not import; hence this script rather than `patchwire relay --static`.
const started = Date.now()
const config = await loadRelayConfig(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(2)
})
if (config.help) {
  process.stdout.write(RELAY_USAGE)
  process.exit(0)
}
const log = createLogger(config.logLevel)
const unsupported = [
  config.redis !== undefined && '--redis',
  Object.values(config.jwt).some((v) => v !== undefined) && '--jwt-*/--jwks',
  config.static !== undefined && '--static',
  config.cors.origin.length > 0 && '--cors-origin',
  config.schemaVersion !== undefined && '--schema-version',
  config.schema !== undefined && '--schema',
].filter(Boolean)
if (unsupported.length > 0) {
  log({
    level: 'error',
    msg: `npm start serves the examples on one local relay; ${unsupported.join(', ')} belong to the relay CLI: npx tsx server/cli.ts relay --help`,
  })
  process.exit(2)
}
if (!isLoopback(config.host) && !config.insecure) {
  log({
    level: 'error',
    msg: `The examples run without authentication; bind a loopback address or pass --insecure (got ${config.host}).`,
  })
  process.exit(2)
}
if (!examplesBuilt()) {
  log({ level: 'info', msg: 'building the examples', dir: EXAMPLES_DIST })
  await buildExamples()
}
const store = config.db ? sqliteStore({ file: config.db }) : memoryStore()
const server = createExampleServer({
  staticDir: EXAMPLES_DIST,
  relay: {
    store,
    log,
    limits: config.limits,
    ...(config.compactEvery !== undefined ? { compactEvery: config.compactEvery } : {}),
    ...(config.keepTail !== undefined ? { keepTail: config.keepTail } : {}),
  },
})
const port = await server.listen(config.port, config.host)
const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}/`
// A plain line whatever the log level, like `patchwire relay`: with --port 0 it is the only
// place the port shows, and scripts wait for it.
process.stdout.write(`patchwire examples listening on ${url}\n`)
log({
  level: 'info',
  msg: 'examples ready',
  store: config.db ?? 'memory',
  ms: Date.now() - started,
})

// package.json runs this with `exec`, so a signal sent to the process `npm start`
// runs reaches tsx, which hands it on to this process (sh would die and leave us running).
let stopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1)
    stopping = true
    log({ level: 'info', msg: 'signal', signal })
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log({ level: 'error', msg: 'shutdown failed', error: String(err) })
        process.exit(1)
      },
    )
  })
}
