import fc from 'fast-check'

/**
 * The commands and case shapes of the convergence property: what users of
 * the app do (edit, batch across sources, reload, close a tab, travel in
 * DevTools, lose the network), what a backend job and a hostile user do, and
 * what the operators do to the relay. Each command prints as one short line,
 * so a shrunk counterexample reads as a replayable script.
 */

/** How one honest client runs the app. */
export type ClientKind =
  /** A fresh store under a fixed client id, no persist (a kiosk): a restart is a new process. */
  | { kind: 'fixed' }
  /** Persist on a storage of its own: a restart reloads from it (pending queue and identity included). */
  | { kind: 'persisted' }
  /** A fixed client id under Redux DevTools (`@redux-devtools/instrument`). */
  | { kind: 'devtools' }
  /** Tabs of one browser sharing one connection (`shareConnection`): a restart closes the leader tab. */
  | { kind: 'tabs'; count: number }

/** What the relay operators can do to it. */
export type RestartKind =
  /** Close the relay (or one node) and start it again on the same store. */
  | 'relay'
  /** SIGKILL the relay process and start it again on the same file. */
  | 'kill'
  /** Restart `redis-server` under the nodes. */
  | 'redis'

/** The sources an `applyPatch` batch mixes. */
export type BatchSource = 'local' | 'stream' | 'devtools'

export type Command =
  | { type: 'append'; client: number; confirm: boolean }
  | { type: 'set'; client: number; key: 'x' | 'y' }
  | { type: 'theme'; client: number }
  | { type: 'batch'; client: number; sources: BatchSource[] }
  | { type: 'disconnect'; client: number }
  | { type: 'reconnect'; client: number }
  | { type: 'restartClient'; client: number }
  | { type: 'travel'; client: number; move: 'jump' | 'toggle' | 'resume'; at: number }
  | { type: 'wait'; ms: number }
  | { type: 'join' }
  | { type: 'restart'; how: RestartKind }
  | { type: 'serverAppend' }
  | { type: 'serverSet'; key: 'x' | 'y' }
  /**
   * The hostile user (another JWT principal) against the client `victim`:
   * `join` under its client id, `push` new changes under its ids, `replay`
   * one of its accepted changes from the log, `own` a fair write of its own.
   */
  | { type: 'hostile'; move: 'join' | 'push' | 'replay' | 'own'; victim: number }

/** One generated case. */
export interface Scenario {
  clients: ClientKind[]
  /** How many clients are open from the start; the others join part-way. */
  initial: number
  commands: Command[]
  /** Seed of the delivery disturbances (delays, reorders, duplicates). */
  chaos: number
}

/** The most clients and commands of a case. */
export const MAX_CLIENTS = 8
export const MAX_COMMANDS = 40

function show(cmd: Command): string {
  switch (cmd.type) {
    case 'append':
      return `append c${cmd.client}${cmd.confirm ? ' confirmed' : ''}`
    case 'set':
      return `set c${cmd.client} ${cmd.key}`
    case 'batch':
      return `batch c${cmd.client} [${cmd.sources.join(',')}]`
    case 'travel':
      return `travel c${cmd.client} ${cmd.move} ${cmd.at}`
    case 'wait':
      return `wait ${cmd.ms}ms`
    case 'restart':
      return `restart ${cmd.how}`
    case 'serverSet':
      return `serverSet ${cmd.key}`
    case 'hostile':
      return `hostile ${cmd.move} c${cmd.victim}`
    case 'theme':
    case 'disconnect':
    case 'reconnect':
    case 'restartClient':
      return `${cmd.type} c${cmd.client}`
    case 'join':
    case 'serverAppend':
      return cmd.type
  }
}

/** Gives a value fast-check's printer uses, so counterexamples print as short lines. */
function printable<T extends object>(value: T, text: string): T {
  return Object.assign(value, { [fc.toStringMethod]: () => text })
}

const client = fc.nat(MAX_CLIENTS - 1)
const key = fc.constantFrom('x' as const, 'y' as const)

/** The commands, weighted towards edits; `restarts` are the relay restarts the target supports. */
export function commandArbitrary(restarts: readonly RestartKind[]): fc.Arbitrary<Command> {
  const weighted: { weight: number; arbitrary: fc.Arbitrary<Command> }[] = [
    {
      weight: 6,
      arbitrary: fc.record({ type: fc.constant('append' as const), client, confirm: fc.boolean() }),
    },
    { weight: 3, arbitrary: fc.record({ type: fc.constant('set' as const), client, key }) },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('theme' as const), client }) },
    {
      weight: 2,
      arbitrary: fc.record({
        type: fc.constant('batch' as const),
        client,
        sources: fc.shuffledSubarray(['local', 'stream', 'devtools'] as BatchSource[], {
          minLength: 2,
        }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('disconnect' as const), client }) },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('reconnect' as const), client }) },
    { weight: 2, arbitrary: fc.record({ type: fc.constant('restartClient' as const), client }) },
    {
      weight: 2,
      arbitrary: fc.record({
        type: fc.constant('travel' as const),
        client,
        move: fc.constantFrom('jump' as const, 'toggle' as const, 'resume' as const),
        at: fc.nat(20),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        type: fc.constant('wait' as const),
        ms: fc.integer({ min: 0, max: 6 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('join' as const) }) },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('serverAppend' as const) }) },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('serverSet' as const), key }) },
    {
      weight: 2,
      arbitrary: fc.record({
        type: fc.constant('hostile' as const),
        move: fc.constantFrom('join' as const, 'push' as const, 'replay' as const, 'own' as const),
        victim: client,
      }),
    },
  ]
  if (restarts.length > 0) {
    weighted.push({
      weight: 1,
      arbitrary: fc.record({
        type: fc.constant('restart' as const),
        how: fc.constantFrom(...restarts),
      }),
    })
  }
  return fc.oneof(...weighted).map((cmd) => printable(cmd, show(cmd)))
}

const kind: fc.Arbitrary<ClientKind> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'fixed' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'persisted' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'devtools' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('tabs' as const),
      count: fc.integer({ min: 2, max: 3 }),
    }),
  },
)

/** Whole cases: 2–8 clients of mixed kinds and 4–40 commands. */
export function scenarioArbitrary(restarts: readonly RestartKind[]): fc.Arbitrary<Scenario> {
  return fc.record({
    clients: fc
      .array(kind, { minLength: 2, maxLength: MAX_CLIENTS, size: 'max' })
      .map((ks) =>
        printable(
          ks,
          `[${ks.map((k) => (k.kind === 'tabs' ? `tabs×${k.count}` : k.kind)).join(', ')}]`,
        ),
      ),
    initial: fc.integer({ min: 1, max: MAX_CLIENTS }),
    commands: fc.array(commandArbitrary(restarts), {
      minLength: 4,
      maxLength: MAX_COMMANDS,
      size: 'max',
    }),
    chaos: fc.integer({ min: 1, max: 2 ** 30 }),
  })
}
