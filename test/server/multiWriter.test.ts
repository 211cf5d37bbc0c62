import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { memoryStore } from '../../server/store/memoryStore'
import { sqliteStore } from '../../server/store/sqliteStore'
import type { RelayStore } from '../../server/store/types'
import { ask, collectChanges, startRelay, ts, until } from './helpers'

const dir = mkdtempSync(join(tmpdir(), 'patchwire-multi-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
type Started = Awaited<ReturnType<typeof startRelay>>
let running: Started[] = []
afterEach(async () => {
  await Promise.all(running.map((r) => r.stop()))
  running = []
})
const T0 = Date.now()

const pushAll = async (r: Started, client: string, count: number) => {
  const s = await r.connect()
  await ask(s, 'join', { room: 'r', clientId: client, schemaVersion: 1 })
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      ask(s, 'push', {
        room: 'r',
        changes: [
          {
            id: `${client}:${i + 1}`,
            ts: ts(T0 + i, client),
            ops: [{ op: 'add', path: [`${client}${i}`], value: i }],
          },
        ],
      }),
    ),
  )
}
const seqsOf = (acks: Awaited<ReturnType<typeof pushAll>>) =>
  acks.flatMap((a) => (a.ok ? a.results.flatMap((r) => ('seq' in r ? [r.seq] : [])) : []))

describe('relay ordering under concurrency', () => {
  it('concurrent pushes from several clients get distinct consecutive sequences, broadcast in sequence order', async () => {
    const r = await startRelay()
    running.push(r)
    const watcher = await r.connect()
    await ask(watcher, 'join', { room: 'r', clientId: 'w', schemaVersion: 1 })
    const seen = collectChanges(watcher)
    const acks = await Promise.all(['a', 'b', 'c'].map((c) => pushAll(r, c, 40)))
    const seqs = acks.flatMap(seqsOf).sort((x, y) => x - y)
    expect(seqs).toEqual(Array.from({ length: 120 }, (_, i) => i + 1))
    await until(() => seen.length === 120)
    expect(seen.map((c) => c.seq)).toEqual(seqs)
  })

  it('a store without group commit gets the same verdicts, one append at a time', async () => {
    const { appendMany: _unused, ...plain } = memoryStore()
    const r = await startRelay({ store: plain as RelayStore })
    running.push(r)
    const acks = await Promise.all(['a', 'b'].map((c) => pushAll(r, c, 25)))
    expect(acks.flatMap(seqsOf).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    )
  })

  it('two relays appending to one SQLite file interleave into one gap-free order and both serve the same state', async () => {
    const file = join(dir, 'shared.db')
    const one = await startRelay({ store: sqliteStore({ file }) })
    const two = await startRelay({ store: sqliteStore({ file }) })
    running.push(one, two)
    const acks = await Promise.all([pushAll(one, 'a', 30), pushAll(two, 'b', 30)])
    expect(acks.flatMap(seqsOf).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 60 }, (_, i) => i + 1),
    )
    const readers = await Promise.all([one.connect(), two.connect()])
    const [s1, s2] = await Promise.all(
      readers.map((s) => ask(s, 'join', { room: 'r', clientId: 'x', schemaVersion: 1 })),
    )
    expect(s1).toMatchObject({ seq: 60 })
    expect(s2).toEqual(s1)
  })
})
