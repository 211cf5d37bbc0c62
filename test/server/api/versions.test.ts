import { afterEach, describe, expect, it } from 'vitest'
import { createRelay } from '../../../server/createRelay'
import type { RelayLogEntry, RelayOptions } from '../../../server/relay/types'
import { memoryStore } from '../../../server/store/memoryStore'
import type { StoredChange } from '../../../server/store/types'
import { applyOps } from '../../../src/applyOps'
import {
  eventually,
  live,
  settings,
  startRelay,
  synced,
  type TestStore,
  todos,
} from '../../sync/helpers'

let relays: Awaited<ReturnType<typeof startRelay>>[] = []
afterEach(async () => {
  for (const r of relays) await r.stop()
  relays = []
})

async function start(options: RelayOptions = {}) {
  const r = await startRelay(options)
  relays.push(r)
  return r
}

/** Polls an asynchronous `check` until it stops rejecting (a wait for delivery, not a timing assertion). */
async function until(check: () => Promise<void>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      return await check()
    } catch (err) {
      if (Date.now() > deadline) throw err
      await new Promise((r) => setTimeout(r, 10))
    }
  }
}

/** Sync clients of one room, live. */
async function clients(r: Awaited<ReturnType<typeof startRelay>>, room: string, n: number) {
  const out: TestStore[] = []
  for (let i = 0; i < n; i++) {
    const { store } = r.client({ room })
    await live(store, room)
    out.push(store)
  }
  return out
}

/** Every local change of every client acknowledged by the relay. */
const settled = (stores: TestStore[], room: string) =>
  eventually(() => {
    for (const s of stores) expect(s.getState().patchwire.sync[room]?.pending).toBe(0)
  }, 30_000)

/** The room's synced keys as the relay holds them. */
async function relayState(r: Awaited<ReturnType<typeof startRelay>>, room: string) {
  const { state } = await r.relay.read(room)
  return { todos: state.todos, settings: state.settings }
}

/** Every client shows the relay's state of the room. */
async function converged(
  r: Awaited<ReturnType<typeof startRelay>>,
  room: string,
  stores: TestStore[],
) {
  await settled(stores, room)
  const expected = await relayState(r, room)
  await eventually(() => {
    for (const s of stores) expect(synced(s)).toEqual(expected)
  }, 30_000)
  return expected
}

/** The room's whole log, read from the store: seq 1 to the head. */
async function wholeLog(r: Awaited<ReturnType<typeof startRelay>>, room: string) {
  const changes: StoredChange[] = []
  for await (const item of r.relay.changes({ room, since: 0 })) {
    if (item.type !== 'change') throw new Error('the log was compacted')
    changes.push({ seq: item.seq, id: item.id, origin: item.origin, ts: item.ts, ops: item.ops })
    if (item.seq === (await r.relay.read(room)).seq) break
  }
  return changes
}

/** The synced keys of the state the log's changes up to `through` produce. */
const replay = (log: StoredChange[], through: number) => {
  const state = log
    .filter((c) => c.seq <= through)
    .reduce((s, c) => applyOps(s, c.ops), {} as Record<string, unknown>)
  return { todos: state.todos, settings: state.settings }
}

describe('relay.snapshotVersion and relay.versions', () => {
  it('lists a version taken on demand with its id, sequence, time and reason', async () => {
    const r = await start({ now: () => 1_700_000_000_000 })
    const [a] = await clients(r, 'v1', 1)
    a!.dispatch(todos.actions.added('one'))
    await settled([a!], 'v1')
    const taken = await r.relay.snapshotVersion('v1')
    const { seq } = await r.relay.read('v1')
    expect(taken).toEqual({
      ok: true,
      version: {
        id: expect.stringMatching(/^\d+-/),
        seq,
        takenAt: 1_700_000_000_000,
        reason: 'manual',
      },
    })
    expect(await r.relay.versions('v1')).toEqual([taken.ok && taken.version])
  })

  it('takes a version each time compaction writes a snapshot', async () => {
    const r = await start({ compactEvery: 3, keepTail: 1 })
    const [a] = await clients(r, 'v2', 1)
    for (let i = 0; i < 4; i++) a!.dispatch(todos.actions.added(`item ${i}`))
    await settled([a!], 'v2')
    await until(async () => {
      const reasons = (await r.relay.versions('v2')).map((v) => v.reason)
      expect(reasons).toContain('compaction')
    })
  })

  it('takes no version on compaction when versions.onCompaction is false', async () => {
    const r = await start({ compactEvery: 2, keepTail: 1, versions: { onCompaction: false } })
    const [a] = await clients(r, 'v3', 1)
    for (let i = 0; i < 5; i++) a!.dispatch(todos.actions.added(`item ${i}`))
    await settled([a!], 'v3')
    await r.relay.snapshotVersion('v3')
    expect((await r.relay.versions('v3')).map((v) => v.reason)).toEqual(['manual'])
  })

  it('a store failing to keep a version still lets compaction compact the log, and logs the failure', async () => {
    const base = memoryStore()
    const store = {
      ...base,
      addVersion: async () => {
        throw new Error('disk full')
      },
    }
    const logged: RelayLogEntry[] = []
    const r = await start({ store, compactEvery: 2, keepTail: 1, log: (e) => logged.push(e) })
    for (let i = 1; i <= 3; i++) {
      await r.relay.write('v5', [{ op: 'add', path: [`k${i}`], value: i }], { origin: 'test' })
    }
    await until(async () => expect(await base.since('v5', 0)).toBeNull())
    expect(logged).toContainEqual(expect.objectContaining({ msg: 'version failed', room: 'v5' }))
  })

  it('keeps only the newest versions.keep versions of a room', async () => {
    const r = await start({ versions: { keep: 2 } })
    const [a] = await clients(r, 'v4', 1)
    const ids: string[] = []
    for (let i = 0; i < 4; i++) {
      a!.dispatch(todos.actions.added(`item ${i}`))
      await settled([a!], 'v4')
      const taken = await r.relay.snapshotVersion('v4')
      if (taken.ok) ids.push(taken.version.id)
    }
    expect(ids).toHaveLength(4)
    expect((await r.relay.versions('v4')).map((v) => v.id)).toEqual(ids.slice(2))
  })
})

describe('relay.restoreVersion', () => {
  it('under concurrent writes every client converges to the restored state plus the writes after it', async () => {
    const r = await start()
    const room = 'r1'
    const stores = await clients(r, room, 3)
    const [a, b, c] = stores as [TestStore, TestStore, TestStore]
    a.dispatch(todos.actions.added('kept'))
    b.dispatch(settings.actions.themeSet('dark'))
    await settled(stores, room)
    const taken = await r.relay.snapshotVersion(room)
    if (!taken.ok) throw new Error(taken.message)
    const version = await relayState(r, room)
    a.dispatch(todos.actions.added('undone'))
    c.dispatch(settings.actions.fieldSet({ key: 'undone', value: 1 }))
    await settled(stores, room)

    // Clients keep writing while the restore runs.
    const writing = (async () => {
      for (let i = 0; i < 10; i++) {
        b.dispatch(todos.actions.added(`during ${i}`))
        c.dispatch(settings.actions.langSet(`l${i}`))
        await new Promise((resolve) => setTimeout(resolve, 1))
      }
    })()
    const restored = await r.relay.restoreVersion(room, taken.version.id)
    await writing
    if (!restored.ok) throw new Error(restored.message)
    a.dispatch(todos.actions.added('after'))
    const final = await converged(r, room, stores)

    const log = await wholeLog(r, room)
    expect(replay(log, restored.seq)).toEqual(version)
    const restoring = log.find((ch) => ch.seq === restored.seq)
    expect(restoring?.origin).toBe('server:restore')
    expect(final.todos).toMatchObject({ items: expect.arrayContaining(['kept', 'after']) })
    expect((final.todos as { items: string[] }).items).not.toContain('undone')
    expect(replay(log, log.length)).toEqual(final)
  })

  it('keeps every change before the restore in the log', async () => {
    const r = await start()
    const room = 'r2'
    const stores = await clients(r, room, 2)
    const [a, b] = stores as [TestStore, TestStore]
    a.dispatch(todos.actions.added('first'))
    await settled(stores, room)
    const taken = await r.relay.snapshotVersion(room)
    if (!taken.ok) throw new Error(taken.message)
    b.dispatch(todos.actions.added('second'))
    b.dispatch(settings.actions.themeSet('dark'))
    await settled(stores, room)
    const before = await wholeLog(r, room)
    const restored = await r.relay.restoreVersion(room, taken.version.id)
    if (!restored.ok) throw new Error(restored.message)
    const after = await wholeLog(r, room)
    expect(after.map((ch) => ch.seq)).toEqual(after.map((_, i) => i + 1))
    expect(after.slice(0, before.length)).toEqual(before)
    expect(restored.seq).toBeGreaterThan(before.length)
  })

  it('restoring the version taken before a restore undoes the restore on every client', async () => {
    const r = await start()
    const room = 'r3'
    const stores = await clients(r, room, 2)
    const [a, b] = stores as [TestStore, TestStore]
    a.dispatch(todos.actions.added('old'))
    await settled(stores, room)
    const taken = await r.relay.snapshotVersion(room)
    if (!taken.ok) throw new Error(taken.message)
    b.dispatch(todos.actions.added('new'))
    b.dispatch(settings.actions.themeSet('dark'))
    const latest = await converged(r, room, stores)

    const restored = await r.relay.restoreVersion(room, taken.version.id)
    if (!restored.ok) throw new Error(restored.message)
    expect(restored.before.reason).toBe('restore')
    expect((await converged(r, room, stores)).todos).toEqual({ items: ['old'] })

    const undone = await r.relay.restoreVersion(room, restored.before.id)
    if (!undone.ok) throw new Error(undone.message)
    expect(await converged(r, room, stores)).toEqual(latest)
  })

  it('answers unknown_room for a room never written', async () => {
    const r = await start()
    expect(await r.relay.restoreVersion('nobody', '1-abc')).toMatchObject({
      ok: false,
      reason: 'unknown_room',
    })
    expect(await r.relay.snapshotVersion('nobody')).toMatchObject({
      ok: false,
      reason: 'unknown_room',
    })
  })

  it('answers unknown_version for an id the room does not hold and leaves the room as it was', async () => {
    const r = await start()
    const [a] = await clients(r, 'r4', 1)
    a!.dispatch(todos.actions.added('x'))
    await settled([a!], 'r4')
    const before = await r.relay.read('r4')
    expect(await r.relay.restoreVersion('r4', 'no-such-version')).toMatchObject({
      ok: false,
      reason: 'unknown_version',
    })
    expect(await r.relay.read('r4')).toEqual(before)
    expect(await r.relay.versions('r4')).toEqual([])
  })

  it('throws naming the id when it is not a string', async () => {
    const r = await start()
    await expect(r.relay.restoreVersion('r5', 42 as unknown as string)).rejects.toThrow(
      /id must be/,
    )
  })
})

describe('createRelay versions option', () => {
  it('throws at setup naming versions.keep when it is not a positive integer', () => {
    expect(() => createRelay({ versions: { keep: 0 } })).toThrow(/versions\.keep/)
  })
})
