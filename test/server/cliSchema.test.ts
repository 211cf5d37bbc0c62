import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseRelayArgs } from '../../server/cli/parseRelayArgs'
import { spawnRelay, trackRelayProcesses } from './cliProcess'
import { ask, type ClientSocket, connectRaw, ts } from './helpers'

const dir = mkdtempSync(join(tmpdir(), 'patchwire-cli-schema-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const { start, sockets } = trackRelayProcesses<ClientSocket>()

// A hand-written Standard Schema, so the module needs no package: `title`, when
// present, must be a non-empty string.
const TITLE_SCHEMA = `{
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: (value) =>
      value && typeof value === 'object' && 'title' in value &&
      (typeof value.title !== 'string' || value.title.length === 0)
        ? { issues: [{ message: 'title must be a non-empty string', path: ['title'] }] }
        : { value },
  },
}`

function schemaModule(name: string, body: string): string {
  const file = join(dir, name)
  writeFileSync(file, body)
  return file
}

const connect = (url: string) => connectRaw(url, sockets)

const setTitle = (id: string, title: string) => ({
  id,
  ts: ts(Date.now(), 'c'),
  ops: [{ op: 'add' as const, path: ['title'], value: title }],
})

describe('patchwire relay --schema-version and --schema', () => {
  it('refuses a join from another schema major as skew with --schema-version', async () => {
    const p = await start(['--port', '0', '--memory', '--schema-version', '2.0'])
    const socket = await connect(p.url)
    const ack = await ask(socket, 'join', { room: 'r', schemaVersion: '99.0', clientId: 'c' })
    expect(ack).toMatchObject({ ok: false, reason: 'skew' })
  })

  it('accepts a join from the same schema major with --schema-version', async () => {
    const p = await start(['--port', '0', '--memory', '--schema-version', '2.0'])
    const socket = await connect(p.url)
    const ack = await ask(socket, 'join', { room: 'r', schemaVersion: '2.3', clientId: 'c' })
    expect(ack).toMatchObject({ ok: true, room: 'r' })
  })

  it('refuses a push the schema module (default export) rejects, and applies a valid one', async () => {
    const file = schemaModule('default.mjs', `export default ${TITLE_SCHEMA}\n`)
    const p = await start(['--port', '0', '--memory', '--schema', file])
    const socket = await connect(p.url)
    await ask(socket, 'join', { room: 'r', schemaVersion: 1, clientId: 'c' })
    const ack = await ask(socket, 'push', {
      room: 'r',
      changes: [setTitle('c:1', 'milk'), setTitle('c:2', '')],
    })
    expect(ack).toMatchObject({
      ok: true,
      results: [
        { id: 'c:1', seq: 1 },
        { id: 'c:2', reason: 'schema' },
      ],
    })
  })

  it('takes a named `schema` export that is a function of the room', async () => {
    const file = schemaModule(
      'perRoom.mjs',
      `const titled = ${TITLE_SCHEMA}\nexport const schema = (room) => (room.startsWith('todo:') ? titled : undefined)\n`,
    )
    const p = await start(['--port', '0', '--memory', '--schema', file])
    const socket = await connect(p.url)
    await ask(socket, 'join', { room: 'todo:1', schemaVersion: 1, clientId: 'c' })
    await ask(socket, 'join', { room: 'free', schemaVersion: 1, clientId: 'c' })
    const checked = await ask(socket, 'push', { room: 'todo:1', changes: [setTitle('c:1', '')] })
    const free = await ask(socket, 'push', { room: 'free', changes: [setTitle('c:2', '')] })
    expect(checked).toMatchObject({ ok: true, results: [{ id: 'c:1', reason: 'schema' }] })
    expect(free).toMatchObject({ ok: true, results: [{ id: 'c:2', seq: 1 }] })
  })

  it('refuses to start with a --schema module that exports no schema, naming the flag', async () => {
    const file = schemaModule('none.mjs', 'export const other = 1\n')
    await expect(spawnRelay(['--port', '0', '--memory', '--schema', file])).rejects.toThrow(
      /--schema .*none\.mjs must export/,
    )
  })

  it('parseRelayArgs rejects a --schema-version that is not a version, naming the flag', () => {
    expect(() => parseRelayArgs(['--schema-version', 'two'], {})).toThrow(
      /--schema-version must be a version/,
    )
  })

  it('lists --schema-version and --schema in --help', async () => {
    const { RELAY_USAGE } = await import('../../server/cli/parseRelayArgs')
    expect(RELAY_USAGE).toMatch(/--schema-version <v>/)
    expect(RELAY_USAGE).toMatch(/--schema <module>/)
  })
})
