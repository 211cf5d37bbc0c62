import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { io as connectClient } from 'socket.io-client'
import { afterAll, describe, expect, it } from 'vitest'
import { parseRelayArgs } from '../../server/cli/parseRelayArgs'
import { configFileLayer } from '../../server/cli/readConfigFile'
import { runRelayCli, trackRelayProcesses } from './cliProcess'
import { ask, type ClientSocket, ts } from './helpers'

const dir = mkdtempSync(join(tmpdir(), 'patchwire-cli-config-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const { start, sockets } = trackRelayProcesses<ClientSocket>()

function configFile(name: string, content: unknown): string {
  const file = join(dir, name)
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content))
  return file
}

async function joined(url: string, schemaVersion: string | number = 1) {
  const socket: ClientSocket = connectClient(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  })
  sockets.push(socket)
  await new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(undefined))
    socket.once('connect_error', reject)
  })
  return { socket, join: await ask(socket, 'join', { room: 'r', schemaVersion, clientId: 'c' }) }
}

/** Pushes one change of two ops. */
const pushTwoOps = (socket: ClientSocket) =>
  ask(socket, 'push', {
    room: 'r',
    changes: [
      {
        id: 'c:1',
        ts: ts(Date.now(), 'c'),
        ops: [
          { op: 'add', path: ['a'], value: 1 },
          { op: 'add', path: ['b'], value: 2 },
        ],
      },
    ],
  })

describe('patchwire relay --config', () => {
  it('takes every setting from a JSON file keyed by its option name', async () => {
    const file = configFile('limits.json', {
      port: 0,
      memory: true,
      limits: { maxOpsPerChange: 1 },
    })
    const p = await start(['--config', file])
    const { socket } = await joined(p.url)
    expect(await pushTwoOps(socket)).toMatchObject({
      ok: true,
      results: [{ id: 'c:1', reason: 'too_large' }],
    })
  })

  it('lets a flag override the file while the file sets the rest', async () => {
    const file = configFile('override.json', {
      port: 0,
      memory: true,
      schemaVersion: '2',
      limits: { maxOpsPerChange: 1 },
    })
    const p = await start(['--config', file, '--max-ops-per-change', '2'])
    const { socket } = await joined(p.url, '2.1')
    const skewed = await joined(p.url, '99.0')
    expect(await pushTwoOps(socket)).toMatchObject({ ok: true, results: [{ id: 'c:1', seq: 1 }] })
    expect(skewed.join).toMatchObject({ ok: false, reason: 'skew' })
  })

  it('takes a .mjs module whose default export is the settings', async () => {
    const file = configFile(
      'patchwire.config.mjs',
      `export default { port: 0, memory: true, schemaVersion: 3 }\n`,
    )
    const p = await start(['--config', file])
    expect((await joined(p.url, '2.0')).join).toMatchObject({ ok: false, reason: 'skew' })
  })

  it('resolves a path in the file against the file’s folder', async () => {
    const folder = join(dir, 'nested')
    mkdirSync(folder, { recursive: true })
    writeFileSync(
      join(folder, 'roomSchema.mjs'),
      `export default { '~standard': { version: 1, vendor: 'test', validate: (value) =>
        'a' in value ? { issues: [{ message: 'no a', path: ['a'] }] } : { value } } }\n`,
    )
    const file = join(folder, 'patchwire.config.json')
    writeFileSync(file, JSON.stringify({ port: 0, memory: true, schema: './roomSchema.mjs' }))
    const p = await start(['--config', file])
    const { socket } = await joined(p.url)
    expect(await pushTwoOps(socket)).toMatchObject({
      ok: true,
      results: [{ id: 'c:1', reason: 'schema' }],
    })
  })

  it('refuses an unknown key, naming it, with exit code 2', async () => {
    const file = configFile('typo.json', { port: 0, limits: { maxOpsPerChnge: 1 } })
    const run = await runRelayCli(['--config', file])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/unknown key "limits\.maxOpsPerChnge"/)
  })

  it('refuses a bad value in the file, naming the key, the file and the value, with exit code 2', async () => {
    const file = configFile('negative.json', { limits: { maxViolations: -1 } })
    const run = await runRelayCli(['--config', file])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain(
      `limits.maxViolations in ${file} must be a positive integer, received -1.`,
    )
  })

  it('refuses a file that is not JSON, naming it, with exit code 2', async () => {
    const file = configFile('broken.json', '{ "port": 0,')
    const run = await runRelayCli(['--config', file])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain(`--config ${file}: not valid JSON`)
  })

  it('refuses a flag-only setting in the file, naming the key', async () => {
    const file = configFile('help.json', { help: true })
    const run = await runRelayCli(['--config', file])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/unknown key "help"/)
  })

  it('ranks PATCHWIRE_JWT_SECRET above the file and below --jwt-secret', () => {
    const settings = { jwt: { secret: 'from-file' } }
    const args = ['--config', configFile('secret.json', settings)]
    const env = { PATCHWIRE_JWT_SECRET: 'from-env' }
    expect(parseRelayArgs(args, {}, settings).jwt.secret).toBe('from-file')
    expect(parseRelayArgs(args, env, settings).jwt.secret).toBe('from-env')
    expect(parseRelayArgs([...args, '--jwt-secret', 'from-flag'], env, settings).jwt.secret).toBe(
      'from-flag',
    )
  })

  it('reads the example config file of the CLI reference, every key known', () => {
    const reference = readFileSync('docs/reference/relay-cli.md', 'utf8')
    const example = /## Config file[\s\S]*?```json\n([\s\S]*?)```/.exec(reference)?.[1]
    expect(example).toBeDefined()
    const layer = configFileLayer('/srv/patchwire.config.json', JSON.parse(example!))
    expect(layer.get('limits.maxOpsPerChange')?.raw).toBe(200)
    expect(layer.get('jwt.publicKey')?.raw).toBe('/srv/keys/auth.pub.pem')
  })
})
