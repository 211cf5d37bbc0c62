import { jwtAuth } from '../../server/auth/jwtAuth'
import { createRelay } from '../../server/createRelay'
import type { RelayLimits, RelayLogEntry } from '../../server/relay/types'
import { sqliteStore } from '../../server/store/sqliteStore'

// The relay under fuzz, in a process of its own: a crash ends this process (the
// fuzzer sees it exit), and its memory is measured without the fuzzer's own.
// Started by `relayProcess.ts` with `--expose-gc`; talks over the IPC channel.

/** How the fuzzed relay is set up (passed as the first argument, JSON). */
export interface FuzzRelayConfig {
  db: string
  /** With it, sockets authenticate with an HS256 JWT signed with this secret. */
  secret?: string
  limits?: Partial<RelayLimits>
}

/** A request from the fuzzer. */
export type RelayChildRequest =
  | { id: number; cmd: 'stats' }
  | { id: number; cmd: 'read'; room: string }
  | { id: number; cmd: 'close' }

/** What the relay holds, after a full garbage collection. */
export interface RelayChildStats {
  heapUsed: number
  rss: number
  sockets: number
  rooms: number
  presenceEntries: number
  /** The relay's `error` log entries so far (a handler that threw, a store call that failed). */
  errors: RelayLogEntry[]
}

const config = JSON.parse(process.argv[2] ?? '{}') as FuzzRelayConfig
const errors: RelayLogEntry[] = []
const relay = createRelay({
  store: sqliteStore({ file: config.db }),
  ...(config.secret ? { authenticate: jwtAuth({ secret: config.secret }) } : {}),
  ...(config.limits ? { limits: config.limits } : {}),
  log: (entry) => {
    if (entry.level === 'error' && errors.length < 100) errors.push(entry)
  },
})

const gc = (globalThis as { gc?: () => void }).gc

const answer = async (req: RelayChildRequest): Promise<unknown> => {
  switch (req.cmd) {
    case 'stats': {
      // Twice: the first pass may leave finalizer-held objects for the second.
      gc?.()
      gc?.()
      const { heapUsed, rss } = process.memoryUsage()
      return { heapUsed, rss, ...relay.counts(), errors } satisfies RelayChildStats
    }
    case 'read':
      return relay.read(req.room)
    case 'close':
      await relay.close()
      setImmediate(() => process.exit(0))
      return true
  }
}

process.on('message', (req: RelayChildRequest) => {
  void answer(req).then(
    (result) => process.send?.({ id: req.id, result }),
    (err: unknown) => process.send?.({ id: req.id, error: String(err) }),
  )
})

void relay.listen(0, '127.0.0.1').then((port) => process.send?.({ listening: port }))
