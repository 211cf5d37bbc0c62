import { mkdirSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import type BetterSqlite3 from 'better-sqlite3'
import { PatchwireError } from '../../src/errors'
import { loadOptionalPeer } from '../loadOptionalPeer'
import {
  type AppendResult,
  parseChangeId,
  type RelayStore,
  type RoomSnapshot,
  type RoomVersion,
  type RoomVersionInfo,
  type RoomVersionReason,
  type StoredChange,
} from './types'

/** Options of `sqliteStore`. */
export interface SqliteStoreOptions {
  /** Path of the database file (created with its folder); `':memory:'` for a throwaway one. */
  file: string
  /**
   * SQLite's `synchronous` pragma. `'full'` fsyncs the WAL on every commit, so
   * an acknowledged change survives a power loss; `'normal'` survives a killed
   * process (WAL commits are ordered) but may lose the last commits on an OS
   * crash, for more throughput.
   * @defaultValue 'full'
   */
  synchronous?: 'full' | 'normal'
}

interface VersionRow {
  id: string
  seq: number
  taken_at: number
  reason: RoomVersionReason
}

const toVersionInfo = (r: VersionRow): RoomVersionInfo => ({
  id: r.id,
  seq: r.seq,
  takenAt: r.taken_at,
  reason: r.reason,
})

interface LogRow {
  seq: number
  id: string
  origin: string
  ts: string
  ops: string
  digest: string | null
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS rooms (
  room TEXT PRIMARY KEY,
  head INTEGER NOT NULL,
  compacted INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS log (
  room TEXT NOT NULL,
  seq INTEGER NOT NULL,
  id TEXT NOT NULL,
  origin TEXT NOT NULL,
  client TEXT,
  counter INTEGER,
  ts TEXT NOT NULL,
  ops TEXT NOT NULL,
  digest TEXT,
  PRIMARY KEY (room, seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS log_id ON log (room, id);
CREATE INDEX IF NOT EXISTS log_client ON log (room, client, counter);
CREATE TABLE IF NOT EXISTS clients (
  room TEXT NOT NULL,
  client TEXT NOT NULL,
  counter INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  compacted INTEGER NOT NULL DEFAULT -1,
  PRIMARY KEY (room, client)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS owners (
  room TEXT NOT NULL,
  client TEXT NOT NULL,
  principal TEXT NOT NULL,
  PRIMARY KEY (room, client)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snapshots (
  room TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  state TEXT NOT NULL,
  clocks TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS versions (
  n INTEGER PRIMARY KEY AUTOINCREMENT,
  room TEXT NOT NULL,
  id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  taken_at INTEGER NOT NULL,
  reason TEXT NOT NULL,
  state TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS versions_id ON versions (room, id);
`

/**
 * The embedded `RelayStore`: one SQLite file via better-sqlite3, in WAL mode.
 * `append` resolves only after its transaction committed, so the relay's ack
 * follows durability; the head check and the insert share one transaction, so
 * two processes on one file still append in order.
 *
 * @example
 * ```ts
 * const relay = await createRelay({ store: sqliteStore({ file: './.data/patchwire.db' }) })
 * ```
 */
export function sqliteStore(options: SqliteStoreOptions): RelayStore {
  if (!options || typeof options.file !== 'string' || options.file.length === 0) {
    throw new PatchwireError('option', 'sqliteStore needs a `file` path.', {
      option: 'file',
      received: String(options?.file),
    })
  }
  if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true })
  // Loaded here, not at import: only the SQLite store needs this optional peer.
  const Database = loadOptionalPeer<typeof BetterSqlite3>('better-sqlite3', 'sqliteStore')
  const db = new Database(options.file)
  db.pragma('journal_mode = WAL')
  db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`)
  // Another process holding the write lock (a second relay on the file) is waited for, not failed.
  db.pragma('busy_timeout = 5000')
  db.exec(SCHEMA)
  // Files written before digests were kept get the column; their old entries have none.
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(log)').all()
  if (!columns.some((c) => c.name === 'digest')) db.exec('ALTER TABLE log ADD COLUMN digest TEXT')
  // The file as opened. Removed or replaced under a running relay (a wiped data folder),
  // SQLite goes on writing to the unlinked file, and every change is lost at the next start.
  const inode = options.file === ':memory:' ? undefined : statSync(options.file).ino

  const q = {
    head: db.prepare<[string], { head: number; compacted: number }>(
      'SELECT head, compacted FROM rooms WHERE room = ?',
    ),
    setHead: db.prepare(
      'INSERT INTO rooms (room, head) VALUES (?, ?) ON CONFLICT (room) DO UPDATE SET head = excluded.head',
    ),
    insert: db.prepare(
      'INSERT INTO log (room, seq, id, origin, client, counter, ts, ops, digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    client: db.prepare(
      `INSERT INTO clients (room, client, counter, seq) VALUES (?, ?, ?, ?)
       ON CONFLICT (room, client) DO UPDATE SET counter = excluded.counter, seq = excluded.seq
       WHERE excluded.counter > clients.counter`,
    ),
    since: db.prepare<[string, number, number], LogRow>(
      'SELECT seq, id, origin, ts, ops, digest FROM log WHERE room = ? AND seq > ? ORDER BY seq LIMIT ?',
    ),
    byId: db.prepare<[string, string], { seq: number; digest: string | null }>(
      'SELECT seq, digest FROM log WHERE room = ? AND id = ?',
    ),
    lastOf: db.prepare<[string, string], { compacted: number; counter: number }>(
      'SELECT compacted, counter FROM clients WHERE room = ? AND client = ?',
    ),
    claim: db.prepare(
      'INSERT INTO owners (room, client, principal) VALUES (?, ?, ?) ON CONFLICT (room, client) DO NOTHING',
    ),
    owner: db.prepare<[string, string], { principal: string }>(
      'SELECT principal FROM owners WHERE room = ? AND client = ?',
    ),
    markCompacted: db.prepare(
      `UPDATE clients SET compacted = max(compacted, coalesce((
         SELECT max(counter) FROM log
         WHERE log.room = clients.room AND log.client = clients.client AND log.seq <= ?), -1))
       WHERE room = ?`,
    ),
    readSnapshot: db.prepare<[string], { seq: number; state: string; clocks: string }>(
      'SELECT seq, state, clocks FROM snapshots WHERE room = ?',
    ),
    writeSnapshot: db.prepare(
      `INSERT INTO snapshots (room, seq, state, clocks) VALUES (?, ?, ?, ?)
       ON CONFLICT (room) DO UPDATE SET seq = excluded.seq, state = excluded.state, clocks = excluded.clocks
       WHERE excluded.seq > snapshots.seq`,
    ),
    deleteLog: db.prepare('DELETE FROM log WHERE room = ? AND seq <= ?'),
    setCompacted: db.prepare('UPDATE rooms SET compacted = ? WHERE room = ? AND compacted < ?'),
    addVersion: db.prepare(
      'INSERT INTO versions (room, id, seq, taken_at, reason, state) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    trimVersions: db.prepare(
      `DELETE FROM versions WHERE room = ? AND n NOT IN (
         SELECT n FROM versions WHERE room = ? ORDER BY n DESC LIMIT ?)`,
    ),
    versions: db.prepare<[string], VersionRow>(
      'SELECT id, seq, taken_at, reason FROM versions WHERE room = ? ORDER BY n',
    ),
    readVersion: db.prepare<[string, string], VersionRow & { state: string }>(
      'SELECT id, seq, taken_at, reason, state FROM versions WHERE room = ? AND id = ?',
    ),
    rooms: db.prepare<[], { room: string }>(
      'SELECT room FROM rooms UNION SELECT room FROM snapshots',
    ),
  }

  const append = db.transaction((room: string, expected: number, changes: StoredChange[]) => {
    const head = q.head.get(room)?.head ?? 0
    if (head !== expected) return { ok: false, head } as AppendResult
    for (const c of changes) {
      const parsed = parseChangeId(c.id)
      q.insert.run(
        room,
        c.seq,
        c.id,
        c.origin,
        parsed?.client ?? null,
        parsed?.counter ?? null,
        c.ts,
        JSON.stringify(c.ops),
        c.digest ?? null,
      )
      if (parsed) q.client.run(room, parsed.client, parsed.counter, c.seq)
    }
    q.setHead.run(room, changes[changes.length - 1]?.seq ?? head)
    return { ok: true } as AppendResult
  })
  // IMMEDIATE takes the write lock before reading the head, so two processes cannot both pass the check.
  const appendImmediate = append.immediate

  const checkSeqs = (expectedSeq: number, changes: readonly StoredChange[]): void => {
    changes.forEach((c, i) => {
      if (c.seq !== expectedSeq + 1 + i) {
        throw new PatchwireError(
          'option',
          `append needs consecutive sequences from ${expectedSeq + 1}, received ${c.seq} at position ${i}.`,
          { option: 'change.seq', received: String(c.seq) },
        )
      }
    })
  }

  const compact = db.transaction((room: string, through: number) => {
    const row = q.head.get(room)
    if (!row || through <= row.compacted) return
    const upto = Math.min(through, row.head)
    q.markCompacted.run(upto, room)
    q.deleteLog.run(room, upto)
    q.setCompacted.run(upto, room, upto)
  })

  const addVersion = db.transaction((room: string, v: RoomVersion, keep: number) => {
    q.addVersion.run(room, v.id, v.seq, v.takenAt, v.reason, JSON.stringify(v.state))
    q.trimVersions.run(room, room, keep)
  })

  let closed = false
  const open = (): void => {
    if (closed) throw new PatchwireError('transport', 'The store is closed.', { reason: 'closed' })
  }

  return {
    head: async (room) => {
      open()
      return q.head.get(room)?.head ?? 0
    },
    append: async (room, expectedSeq, change) => {
      open()
      checkSeqs(expectedSeq, [change])
      return appendImmediate(room, expectedSeq, [change])
    },
    appendMany: async (room, expectedSeq, changes) => {
      open()
      checkSeqs(expectedSeq, changes)
      return appendImmediate(room, expectedSeq, changes)
    },
    since: async (room, after, limit = -1) => {
      open()
      const compacted = q.head.get(room)?.compacted ?? 0
      if (after < compacted) return null
      return q.since.all(room, after, limit).map((r) => {
        const c: StoredChange = {
          seq: r.seq,
          id: r.id,
          origin: r.origin,
          ts: r.ts,
          ops: JSON.parse(r.ops),
        }
        if (r.digest !== null) c.digest = r.digest
        return c
      })
    },
    readSnapshot: async (room): Promise<RoomSnapshot | undefined> => {
      open()
      const row = q.readSnapshot.get(room)
      if (!row) return undefined
      return { seq: row.seq, state: JSON.parse(row.state), clocks: JSON.parse(row.clocks) }
    },
    writeSnapshot: async (room, s) => {
      open()
      q.writeSnapshot.run(room, s.seq, JSON.stringify(s.state), JSON.stringify(s.clocks))
    },
    compact: async (room, through) => {
      open()
      compact(room, through)
    },
    applied: async (room, id) => {
      open()
      const hit = q.byId.get(room, id)
      if (hit) return hit.digest === null ? { seq: hit.seq } : { seq: hit.seq, digest: hit.digest }
      const parsed = parseChangeId(id)
      if (!parsed) return undefined
      const last = q.lastOf.get(room, parsed.client)
      return last && parsed.counter <= last.compacted ? { compacted: true } : undefined
    },
    clientCounter: async (room, client) => {
      open()
      return q.lastOf.get(room, client)?.counter ?? 0
    },
    clientOwner: async (room, client) => {
      open()
      return q.owner.get(room, client)?.principal
    },
    claimClient: async (room, client, principal) => {
      open()
      // The insert tells whether it stored this principal; only a lost race reads the owner back.
      if (q.claim.run(room, client, principal).changes === 1) return principal
      return q.owner.get(room, client)?.principal ?? principal
    },
    addVersion: async (room, version, keep) => {
      open()
      addVersion(room, version, keep)
    },
    versions: async (room) => {
      open()
      return q.versions.all(room).map(toVersionInfo)
    },
    readVersion: async (room, id): Promise<RoomVersion | undefined> => {
      open()
      const row = q.readVersion.get(room, id)
      return row && { ...toVersionInfo(row), state: JSON.parse(row.state) }
    },
    rooms: async () => {
      open()
      return q.rooms.all().map((r) => r.room)
    },
    ping: async () => {
      if (closed) return false
      if (inode !== undefined && statSync(options.file, { throwIfNoEntry: false })?.ino !== inode) {
        return false
      }
      try {
        // Reads the store's own table, so a database it can no longer read fails the probe.
        return db.prepare('SELECT EXISTS (SELECT 1 FROM rooms) AS one').get() !== undefined
      } catch {
        return false
      }
    },
    close: async () => {
      if (closed) return
      closed = true
      db.close()
    },
  }
}
