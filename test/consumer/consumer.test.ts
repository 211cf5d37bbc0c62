import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SignJWT } from 'jose'
import { io as connectClient } from 'socket.io-client'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RedisServer, startRedisServer } from '../redis/redisServer'
import { ask, type ClientSocket, connectRaw, ts as hlc } from '../server/helpers'
import { createProject, packTarball, ROOT, run, runOk } from './packedProject'
import { packagesFor, quickStartCode, sectionCode } from './readme'
import { type RelayBin, startRelayBin, stopRelayBin } from './relayBin'

// The package as a user gets it: packed, installed from the tarball into fresh
// projects with exactly what the README's Install section lists per role, and
// used there the way the README says (bin, Quick start, `patchwire/server`, tsc).
const INSTALL_TIMEOUT = 20 * 60_000
const STEP_TIMEOUT = 3 * 60_000

const work = mkdtempSync(join(tmpdir(), 'patchwire-consumer-'))
const client = join(work, 'client')
const reactClient = join(work, 'client-react')
const sqlite = join(work, 'relay-sqlite')
const redis = join(work, 'relay-redis')
const bins: RelayBin[] = []
const sockets: ClientSocket[] = []
let redisServer: RedisServer | undefined

beforeAll(async () => {
  const tarball = await packTarball(work)
  await Promise.all([
    createProject(client, [...packagesFor('client only'), ...packagesFor('zod')], tarball),
    // The README's TypeScript note: patchwire/react needs @types/react beside the hooks line.
    createProject(
      reactClient,
      [
        ...packagesFor('client only'),
        ...packagesFor('the hooks'),
        ...packagesFor('zod'),
        '@types/react',
      ],
      tarball,
    ),
    createProject(sqlite, packagesFor('relay with SQLite'), tarball),
    createProject(redis, packagesFor('relay on Redis'), tarball),
  ])
}, INSTALL_TIMEOUT)

afterAll(async () => {
  for (const s of sockets) s.disconnect()
  await Promise.all(bins.map(stopRelayBin))
  await redisServer?.close()
  rmSync(work, { recursive: true, force: true })
})

const TSC = join(ROOT, 'node_modules/typescript/bin/tsc')
const RESOLUTIONS = {
  bundler: { module: 'esnext', moduleResolution: 'bundler', ext: 'ts' },
  'node16 ESM': { module: 'node16', moduleResolution: 'node16', ext: 'ts' },
  'node16 CJS': { module: 'node16', moduleResolution: 'node16', ext: 'cts' },
} as const
type Resolution = keyof typeof RESOLUTIONS

/** Runs tsc over `files` in `project` as a user's strict build would, libraries included unless `skipLibCheck`. */
function tsc(
  project: string,
  files: string[],
  resolution: Resolution,
  skipLibCheck = false,
  extra: string[] = [],
) {
  const { module, moduleResolution } = RESOLUTIONS[resolution]
  return run(
    process.execPath,
    [
      TSC,
      '--strict',
      '--noEmit',
      '--skipLibCheck',
      String(skipLibCheck),
      '--target',
      'es2022',
      '--lib',
      'es2022,dom',
      '--module',
      module,
      '--moduleResolution',
      moduleResolution,
      ...extra,
      ...files,
    ],
    project,
  )
}

/**
 * Type-checks `code` in `project` as a user's strict build would, libraries
 * included unless `skipLibCheck` (tsc --init's default) is asked for.
 */
async function typeCheck(
  project: string,
  name: string,
  code: string,
  resolution: Resolution,
  skipLibCheck = false,
) {
  const { module, moduleResolution, ext } = RESOLUTIONS[resolution]
  const file = `${name}-${moduleResolution}-${module}.${ext}`
  writeFileSync(join(project, file), code)
  return tsc(project, [file], resolution, skipLibCheck)
}

/** Runs `code` with node in `project` from a file named `file`. */
async function runNode(project: string, file: string, code: string) {
  writeFileSync(join(project, file), code)
  return run(process.execPath, [file], project)
}

const connect = (url: string) => connectRaw(url, sockets)

/** Joins a room and pushes one change; resolves the push ack and the broadcast it caused. */
async function roundTrip(url: string) {
  const socket = await connect(url)
  const broadcast = new Promise((resolve) => socket.once('change', resolve))
  const joined = await ask(socket, 'join', { room: 'todos', schemaVersion: 1, clientId: 'c' })
  const pushed = await ask(socket, 'push', {
    room: 'todos',
    changes: [{ id: 'c:1', ts: hlc(Date.now(), 'c'), ops: [{ op: 'add', path: ['n'], value: 1 }] }],
  })
  return { joined, pushed, broadcast: await broadcast }
}

const IS_ANY_CHECK = `
type IsAny<T> = 0 extends 1 & T ? true : false
const stateIsNotAny: IsAny<ReturnType<typeof store.getState>> = false
void stateIsNotAny
`
const PRINT_STATE = '\nconsole.log(JSON.stringify(store.getState().todos))\n'

function transpile(code: string, module: ts.ModuleKind): string {
  return ts.transpileModule(code, {
    compilerOptions: { module, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  }).outputText
}

// The persist guide (docs/how-to/offline-caching-with-persist.md) points Node apps to createFileStorage from patchwire/server.
const USE_FILE_STORAGE = `
  const storage = createFileStorage({ dir: 'file-storage-state' })
  await storage.setItem('k', JSON.stringify('stored'))
  console.log(await storage.getItem('k'))
`
const FILE_STORAGE_ESM = `import { createFileStorage } from 'patchwire/server'\n${USE_FILE_STORAGE}`
const FILE_STORAGE_CJS = `const { createFileStorage } = require('patchwire/server')\n;(async () => {${USE_FILE_STORAGE}})()\n`
const CREATE_RELAY_WITHOUT_PEER = `import { createRelay } from 'patchwire/server'
try {
  createRelay()
} catch (err) {
  console.log(err.code, err.details.package)
}
`
const FILE_STORAGE_TYPES = `import { createFileStorage } from 'patchwire/server'
import type { PersistStorage } from 'patchwire'
type IsAny<T> = 0 extends 1 & T ? true : false
const storage = createFileStorage({ dir: 'file-storage-state' })
const notAny: IsAny<typeof storage> = false
export const typed: PersistStorage = storage
void notAny
`

describe('the client role (README Install: client only + zod)', () => {
  for (const [kind, module, file] of [
    ['ESM', ts.ModuleKind.ESNext, 'quickstart.mjs'],
    ['CJS', ts.ModuleKind.CommonJS, 'quickstart.cjs'],
  ] as const) {
    it(
      `runs the README Quick start verbatim as ${kind}`,
      async () => {
        const result = await runNode(
          client,
          file,
          transpile(quickStartCode() + PRINT_STATE, module),
        )
        expect(result.code, result.stderr).toBe(0)
        expect(result.stdout.trim()).toBe('{"items":[{"title":"milk"}]}')
        expect(result.stderr).toContain('schema')
      },
      STEP_TIMEOUT,
    )
  }

  for (const resolution of Object.keys(RESOLUTIONS) as Resolution[]) {
    it(
      `type-checks the README Quick start with tsc --strict under ${resolution}, the state not any`,
      async () => {
        const result = await typeCheck(
          client,
          'quickstart',
          quickStartCode() + IS_ANY_CHECK,
          resolution,
        )
        expect(result.stdout + result.stderr).toBe('')
        expect(result.code).toBe(0)
      },
      STEP_TIMEOUT,
    )
  }

  for (const [kind, file, code] of [
    ['ESM import', 'file-storage.mjs', FILE_STORAGE_ESM],
    ['CJS require', 'file-storage.cjs', FILE_STORAGE_CJS],
  ] as const) {
    it(
      `createFileStorage from patchwire/server stores and reads a value through ${kind}, without socket.io`,
      async () => {
        const result = await runNode(client, file, code)
        expect(result.code, result.stderr).toBe(0)
        expect(result.stdout).toBe('"stored"\n')
      },
      STEP_TIMEOUT,
    )
  }

  it(
    'createRelay from patchwire/server fails with missing_peer naming socket.io',
    async () => {
      const result = await runNode(client, 'create-relay.mjs', CREATE_RELAY_WITHOUT_PEER)
      expect(result.code, result.stderr).toBe(0)
      expect(result.stdout).toBe('missing_peer socket.io\n')
    },
    STEP_TIMEOUT,
  )

  for (const resolution of Object.keys(RESOLUTIONS) as Resolution[]) {
    it(
      `type-checks createFileStorage from patchwire/server with tsc --strict and skipLibCheck under ${resolution}`,
      async () => {
        const result = await typeCheck(client, 'file-storage', FILE_STORAGE_TYPES, resolution, true)
        expect(result.stdout + result.stderr).toBe('')
        expect(result.code).toBe(0)
      },
      STEP_TIMEOUT,
    )
  }

  it(
    'the relay bin names the packages to install: socket.io and better-sqlite3',
    async () => {
      const result = await run(join(client, 'node_modules/.bin/patchwire'), ['relay'], client)
      expect(result.code).toBe(1)
      expect(result.stderr).toContain('npm install socket.io better-sqlite3')
    },
    STEP_TIMEOUT,
  )

  it(
    'the relay bin names prom-client for its metrics, or --no-metrics to go without',
    async () => {
      const result = await run(join(client, 'node_modules/.bin/patchwire'), ['relay'], client)
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(/npm install \S.* prom-client \(or pass --no-metrics\)/)
      const without = await run(
        join(client, 'node_modules/.bin/patchwire'),
        ['relay', '--no-metrics'],
        client,
      )
      expect(without.stderr).not.toContain('prom-client')
    },
    STEP_TIMEOUT,
  )
})

describe('the client role with React (README Install: client only + the hooks + zod)', () => {
  it(
    "type-checks every block of the README's Loading server data section verbatim with tsc --strict",
    async () => {
      const files = sectionCode('Loading server data').map(({ lang, code }, i) => {
        const file = `server-data-${i}.${lang}`
        writeFileSync(join(reactClient, file), code)
        return file
      })
      expect(files.length).toBeGreaterThanOrEqual(5)
      const result = await tsc(reactClient, files, 'bundler', false, ['--jsx', 'react-jsx'])
      expect(result.stdout + result.stderr).toBe('')
      expect(result.code).toBe(0)
    },
    STEP_TIMEOUT,
  )
})

// Opens each optional store once: the one whose packages the role installed
// works, the other fails with missing_peer; so the lazy loading runs in both
// module formats.
const USE_STORES = `
  console.log(typeof server.createRelay)
  for (const [name, open] of [
    ['sqlite', () => server.sqliteStore({ file: ':memory:' })],
    ['redis', () => server.createRelay({ redis: 'redis://127.0.0.1:1' })],
  ]) {
    try {
      await open().close()
      console.log(name, 'ok')
    } catch (err) {
      console.log(name, err.code)
    }
  }
`
const SERVER_ESM = `import * as server from 'patchwire/server'\n${USE_STORES}`
const SERVER_CJS = `const server = require('patchwire/server')\n;(async () => {${USE_STORES}})()\n`
const STORES_OF = {
  'relay with SQLite': 'function\nsqlite ok\nredis missing_peer\n',
  'relay on Redis': 'function\nsqlite missing_peer\nredis ok\n',
}

// Every store in one file: the types must hold whichever optional peers are installed.
const SERVER_TYPES = `import {
  memoryStore,
  createRelay,
  jwtAuth,
  redisStore,
  sqliteStore,
  type RelayStore,
} from 'patchwire/server'

const pick = process.env.STORE
const store: RelayStore =
  pick === 'sqlite' ? sqliteStore({ file: ':memory:' }) : pick === 'redis' ? redisStore('redis://127.0.0.1:6379') : memoryStore()
const authenticate = jwtAuth({ secret: 's' })
const relay =
  pick === 'redis'
    ? createRelay({ redis: { connection: 'redis://127.0.0.1:6379', prefix: 'app:' }, authenticate })
    : createRelay({ store, authenticate })
export const port: Promise<number> = relay.listen(0, '127.0.0.1')
`

for (const [role, project] of [
  ['relay with SQLite', sqlite],
  ['relay on Redis', redis],
] as const) {
  describe(`the ${role} role: patchwire/server`, () => {
    it(
      'loads through ESM import, with the store its packages provide',
      async () => {
        const result = await runNode(project, 'server-import.mjs', SERVER_ESM)
        expect(result.code, result.stderr).toBe(0)
        expect(result.stdout).toBe(STORES_OF[role])
      },
      STEP_TIMEOUT,
    )

    it(
      'loads through CJS require, with the store its packages provide',
      async () => {
        const result = await runNode(project, 'server-require.cjs', SERVER_CJS)
        expect(result.code, result.stderr).toBe(0)
        expect(result.stdout).toBe(STORES_OF[role])
      },
      STEP_TIMEOUT,
    )

    for (const resolution of Object.keys(RESOLUTIONS) as Resolution[]) {
      it(
        `type-checks with tsc --strict under ${resolution}`,
        async () => {
          const result = await typeCheck(project, 'server', SERVER_TYPES, resolution)
          expect(result.stdout + result.stderr).toBe('')
          expect(result.code).toBe(0)
        },
        STEP_TIMEOUT,
      )
    }
  })
}

describe('the relay with SQLite role: the patchwire bin', () => {
  it(
    'prints its usage with npx patchwire relay --help',
    async () => {
      const result = await runOk('npx', ['patchwire', 'relay', '--help'], sqlite)
      expect(result.stdout).toMatch(/^Usage: patchwire relay \[options\]/)
      expect(result.stdout).toContain('--schema-version')
    },
    STEP_TIMEOUT,
  )

  it(
    'prints the installed version with npx patchwire --version, and its commands with --help',
    async () => {
      const version = await runOk('npx', ['patchwire', '--version'], sqlite)
      const installed = JSON.parse(
        readFileSync(join(sqlite, 'node_modules/patchwire/package.json'), 'utf8'),
      ) as { version: string }
      expect(version.stdout).toBe(`${installed.version}\n`)
      const help = await runOk('npx', ['patchwire', '--help'], sqlite)
      expect(help.stdout).toMatch(/^Usage: patchwire relay \[options\]/)
      expect(help.stdout).toContain('patchwire versions')
    },
    STEP_TIMEOUT,
  )

  it(
    'serves /healthz with --memory',
    async () => {
      const bin = await startRelayBin(sqlite, ['--port', '0', '--memory'])
      bins.push(bin)
      const health = await fetch(`${bin.url}/healthz`)
      expect(await health.json()).toMatchObject({ ok: true, store: 'ok' })
    },
    STEP_TIMEOUT,
  )

  it(
    'serves Prometheus metrics on /metrics, loading prom-client',
    async () => {
      const bin = await startRelayBin(sqlite, ['--port', '0', '--memory'])
      bins.push(bin)
      const res = await fetch(`${bin.url}/metrics`)
      expect(res.status).toBe(200)
      expect(await res.text()).toMatch(/^patchwire_relay_sockets 0$/m)
    },
    STEP_TIMEOUT,
  )

  it(
    'keeps rooms in SQLite by default and answers a join and push round trip',
    async () => {
      const bin = await startRelayBin(sqlite, ['--port', '0'])
      bins.push(bin)
      expect(await (await fetch(`${bin.url}/healthz`)).json()).toMatchObject({ ok: true })
      const { joined, pushed, broadcast } = await roundTrip(bin.url)
      expect(joined).toMatchObject({ ok: true, room: 'todos' })
      expect(pushed).toEqual({ ok: true, results: [{ id: 'c:1', seq: 1 }] })
      expect(broadcast).toMatchObject({ room: 'todos', seq: 1, id: 'c:1' })
      expect(existsSync(join(sqlite, '.data/patchwire.db'))).toBe(true)
    },
    STEP_TIMEOUT,
  )

  it(
    'names the Redis packages to install for --redis',
    async () => {
      const result = await run(
        join(sqlite, 'node_modules/.bin/patchwire'),
        ['relay', '--redis', 'redis://127.0.0.1:6379'],
        sqlite,
      )
      expect(result.code).toBe(1)
      expect(result.stderr).toContain('npm install ioredis @socket.io/redis-adapter')
    },
    STEP_TIMEOUT,
  )
})

describe('the relay on Redis role: the patchwire bin and the SQLite store', () => {
  it(
    'runs with --redis and answers a join and push round trip',
    async () => {
      redisServer = await startRedisServer()
      const bin = await startRelayBin(redis, ['--port', '0', '--redis', redisServer.url])
      bins.push(bin)
      expect(await (await fetch(`${bin.url}/healthz`)).json()).toMatchObject({ ok: true })
      const { pushed, broadcast } = await roundTrip(bin.url)
      expect(pushed).toEqual({ ok: true, results: [{ id: 'c:1', seq: 1 }] })
      expect(broadcast).toMatchObject({ room: 'todos', seq: 1, id: 'c:1' })
    },
    STEP_TIMEOUT,
  )

  it(
    'names better-sqlite3 to install when sqliteStore is used without it',
    async () => {
      const result = await runNode(
        redis,
        'sqlite-missing.mjs',
        `import { sqliteStore } from 'patchwire/server'
try {
  sqliteStore({ file: ':memory:' })
} catch (err) {
  console.log(err.code, err.message)
}
`,
      )
      expect(result.stdout).toMatch(/^missing_peer .*npm install better-sqlite3\n$/)
    },
    STEP_TIMEOUT,
  )
})

/** A socket to `url` carrying `token` in its handshake, as `jwtAuth` reads it. */
async function connectAs(url: string, token: string): Promise<ClientSocket> {
  const socket: ClientSocket = connectClient(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: { token },
  })
  sockets.push(socket)
  await new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(undefined))
    socket.once('connect_error', reject)
  })
  return socket
}

const JWT_SECRET = 'consumer-test-secret-of-at-least-32-bytes'
const tokenFor = (sub: string) =>
  new SignJWT({ rooms: '*' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(JWT_SECRET))

describe('the relay bin with --jwt-secret: client ids bound to principals', () => {
  it(
    "one user's push cannot take the shared-connection group id `tabs` from every other user",
    async () => {
      const bin = await startRelayBin(sqlite, [
        '--port',
        '0',
        '--memory',
        '--jwt-secret',
        JWT_SECRET,
      ])
      bins.push(bin)
      const mallory = await connectAs(bin.url, await tokenFor('mallory'))
      await ask(mallory, 'join', { room: 'team', schemaVersion: 1, clientId: 'tabs' })
      await ask(mallory, 'push', {
        room: 'team',
        changes: [
          {
            id: 'tabs:1',
            ts: hlc(Date.now(), 'tabs'),
            ops: [{ op: 'add', path: ['x'], value: 1 }],
          },
        ],
      })
      // A shared connection's leader joins under the group id (docs/how-to/real-time-sync.md: one relay connection for the tabs).
      const alice = await connectAs(bin.url, await tokenFor('alice'))
      expect(
        await ask(alice, 'join', { room: 'team', schemaVersion: 1, clientId: 'tabs' }),
      ).toMatchObject({
        ok: true,
      })
    },
    STEP_TIMEOUT,
  )
})

// Two processes of one app under one fixed clientId (a restart overlapping the
// old process, a kiosk opened twice), each writing with confirmed().
const TWIN_CLIENTS = `
import { configureStore, createSlice } from '@reduxjs/toolkit'
import { PATCHWIRE_KEY, confirmed, patchwireMiddleware, patchwireReducer, selectSyncStatus, sync, withPatchwire } from 'patchwire'
const url = process.argv[2]
const todos = createSlice({ name: 'todos', initialState: { items: [] }, reducers: { added: (s, a) => { s.items.push(a.payload) } } })
const make = () => {
  const mw = sync({ url, room: 'kiosk', allowKeys: ['todos'], clientId: 'kiosk1' })
  const store = configureStore({
    reducer: withPatchwire({ todos: todos.reducer, [PATCHWIRE_KEY]: patchwireReducer }),
    middleware: (gDM) => gDM().concat(patchwireMiddleware(), mw.middleware),
  })
  return { store, mw }
}
const clients = { a: make(), b: make() }
const live = () => Object.values(clients).every(({ store }) => selectSyncStatus(store.getState(), 'kiosk')?.connection === 'live')
while (!live()) await new Promise((r) => setTimeout(r, 20))
const writes = []
for (let i = 1; i <= 3; i++) {
  for (const [name, { store }] of Object.entries(clients)) {
    const title = name + i
    writes.push(store.dispatch(confirmed(todos.actions.added(title), { timeoutMs: 5000 })).then((r) => ({ title, seq: r.seq }), (e) => ({ title, error: e.code })))
  }
}
console.log(JSON.stringify(await Promise.all(writes)))
for (const { mw } of Object.values(clients)) mw.stop()
process.exit(0)
`

describe('the client role against the relay bin: a fixed clientId in two processes at once', () => {
  it(
    'confirmed() resolves only for writes the room holds',
    async () => {
      const bin = await startRelayBin(sqlite, ['--port', '0', '--memory'])
      bins.push(bin)
      writeFileSync(join(client, 'twin-clients.mjs'), TWIN_CLIENTS)
      const result = await run(process.execPath, ['twin-clients.mjs', bin.url], client)
      expect(result.code, result.stderr).toBe(0)
      const writes = JSON.parse(result.stdout) as { title: string; seq?: number; error?: string }[]
      const observer = await connect(bin.url)
      const joined = await ask(observer, 'join', {
        room: 'kiosk',
        schemaVersion: 1,
        clientId: 'observer',
      })
      const room =
        joined.ok && 'snapshot' in joined
          ? (joined.snapshot.todos as { items: string[] }).items
          : []
      const confirmedTitles = writes.filter((w) => w.seq !== undefined).map((w) => w.title)
      for (const title of confirmedTitles) expect(room, `${title} was confirmed`).toContain(title)
    },
    STEP_TIMEOUT,
  )
})
