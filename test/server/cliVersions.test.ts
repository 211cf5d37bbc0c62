import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { createRelay } from '../../server/createRelay'
import { sqliteStore } from '../../server/store/sqliteStore'
import { trackRelayProcesses } from './cliProcess'
import { ask, type ClientSocket, connectRaw, ts } from './helpers'

const run = promisify(execFile)
const relays = trackRelayProcesses<ClientSocket>()
const dir = mkdtempSync(join(tmpdir(), 'patchwire-versions-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Runs `patchwire versions …args` as a child process; resolves its exit code and output. */
async function cli(args: string[]) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', 'server/cli.ts', 'versions', ...args],
      { cwd: process.cwd() },
    )
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

let n = 0
/** A SQLite file whose room `r` went `{ v: 1 }` (a version taken) then `{ v: 2, extra: true }`. */
async function fileWithVersion() {
  const file = join(dir, `r${++n}.db`)
  const relay = createRelay({ store: sqliteStore({ file }) })
  await relay.write('r', [{ op: 'add', path: ['v'], value: 1 }], { origin: 'seed' })
  const taken = await relay.snapshotVersion('r')
  if (!taken.ok) throw new Error(taken.message)
  await relay.write('r', [{ op: 'replace', path: ['v'], value: 2 }], { origin: 'seed' })
  await relay.write('r', [{ op: 'add', path: ['extra'], value: true }], { origin: 'seed' })
  await relay.close()
  return { file, id: taken.version.id }
}

async function readRoom(file: string) {
  const relay = createRelay({ store: sqliteStore({ file }) })
  try {
    return await relay.read('r')
  } finally {
    await relay.close()
  }
}

describe('patchwire versions', () => {
  it('lists the versions of a room in a SQLite file, one line each', async () => {
    const { file, id } = await fileWithVersion()
    const { code, stdout } = await cli(['list', 'r', '--db', file])
    expect(code).toBe(0)
    expect(stdout.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^${id}\\t1\\t\\d{4}-\\d\\d-\\d\\dT[^\\t]+Z\\tmanual$`)),
    ])
  })

  it('restores a room as a new change and prints how to undo it', async () => {
    const { file, id } = await fileWithVersion()
    const { code, stdout } = await cli(['restore', 'r', id, '--db', file])
    expect(code).toBe(0)
    expect(stdout).toMatch(/restored r to version .* at seq 4/)
    const before = /undo with: patchwire versions restore r (\S+)/.exec(stdout)?.[1]
    expect(await readRoom(file)).toEqual({ seq: 4, state: { v: 1 } })

    const undone = await cli(['restore', 'r', before!, '--db', file])
    expect(undone.code).toBe(0)
    expect(await readRoom(file)).toEqual({ seq: 5, state: { v: 2, extra: true } })
  })

  it('takes a version on demand', async () => {
    const { file } = await fileWithVersion()
    const { code, stdout } = await cli(['snapshot', 'r', '--db', file])
    expect(code).toBe(0)
    expect(stdout).toMatch(/took version 3-\S+ of r at seq 3/)
    expect((await cli(['list', 'r', '--db', file])).stdout.trim().split('\n')).toHaveLength(2)
  })

  it('exits 1 naming unknown_version for an id the room does not hold', async () => {
    const { file } = await fileWithVersion()
    const { code, stderr } = await cli(['restore', 'r', 'nope', '--db', file])
    expect(code).toBe(1)
    expect(stderr).toMatch(/^unknown_version: /)
    expect(await readRoom(file)).toEqual({ seq: 3, state: { v: 2, extra: true } })
  })

  it('exits 1 naming unknown_room for a room never written', async () => {
    const { file, id } = await fileWithVersion()
    const { code, stderr } = await cli(['restore', 'elsewhere', id, '--db', file])
    expect(code).toBe(1)
    expect(stderr).toMatch(/^unknown_room: /)
  })

  it('exits 1 without creating a database when the file does not exist', async () => {
    const { code, stderr } = await cli(['list', 'r', '--db', join(dir, 'missing.db')])
    expect(code).toBe(1)
    expect(stderr).toMatch(/No database at/)
    expect(existsSync(join(dir, 'missing.db'))).toBe(false)
  })

  it('exits 2 naming what is missing when restore has no id', async () => {
    const { code, stderr } = await cli(['restore', 'r'])
    expect(code).toBe(2)
    expect(stderr).toMatch(/needs a version id/)
  })
})

describe('patchwire relay --versions-keep', () => {
  it('keeps only the newest n versions that compaction takes', async () => {
    const file = join(dir, 'kept.db')
    const p = await relays.start([
      '--port',
      '0',
      '--db',
      file,
      '--compact-every',
      '1',
      '--versions-keep',
      '2',
    ])
    const writer = await connectRaw(p.url, relays.sockets)
    await ask(writer, 'join', { room: 'r', schemaVersion: 1, clientId: 'w' })
    for (let k = 1; k <= 4; k++) {
      const change = {
        id: `w:${k}`,
        ts: ts(Date.now(), 'w', k),
        ops: [{ op: 'add' as const, path: [`k${k}`], value: k }],
      }
      expect(await ask(writer, 'push', { room: 'r', changes: [change] })).toMatchObject({
        ok: true,
      })
    }
    // Compaction runs after the ack: wait for the version of the last change.
    let lines: string[] = []
    while (!lines.at(-1)?.includes('\t4\t')) {
      lines = (await cli(['list', 'r', '--db', file])).stdout.trim().split('\n')
    }
    expect(lines.map((l) => l.split('\t').slice(1, 2).concat(l.split('\t')[3]!))).toEqual([
      ['3', 'compaction'],
      ['4', 'compaction'],
    ])
  })
})
