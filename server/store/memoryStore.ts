import { PatchwireError } from '../../src/errors'
import {
  type AppendResult,
  parseChangeId,
  type RelayStore,
  type RoomSnapshot,
  type RoomVersion,
  type StoredChange,
} from './types'

interface MemoryRoom {
  head: number
  /** Sequences `<= compacted` are gone from `log`. */
  compacted: number
  log: StoredChange[]
  ids: Map<string, StoredChange>
  /** Per client: the greatest counter applied and the greatest counter compacted away. */
  clients: Map<string, { counter: number; compacted: number }>
  /** Client id → the principal it belongs to. */
  owners: Map<string, string>
  snapshot?: RoomSnapshot
  /** Oldest first. */
  versions: RoomVersion[]
}

/**
 * A `RelayStore` in process memory: for tests and single-process demos.
 * Nothing survives a restart. Values are kept by reference; the relay only
 * hands it frozen data.
 *
 * @example
 * ```ts
 * const relay = await createRelay({ store: memoryStore() })
 * ```
 */
export function memoryStore(): RelayStore {
  const rooms = new Map<string, MemoryRoom>()
  let closed = false

  const room = (name: string): MemoryRoom => {
    if (closed) throw new PatchwireError('transport', 'The store is closed.', { reason: 'closed' })
    let r = rooms.get(name)
    if (!r) {
      r = {
        head: 0,
        compacted: 0,
        log: [],
        ids: new Map(),
        clients: new Map(),
        owners: new Map(),
        versions: [],
      }
      rooms.set(name, r)
    }
    return r
  }

  return {
    head: async (name) => room(name).head,
    append: async (name, expectedSeq, change): Promise<AppendResult> => {
      const r = room(name)
      if (r.head !== expectedSeq) return { ok: false, head: r.head }
      checkSeqs(expectedSeq, [change])
      add(r, change)
      return { ok: true }
    },
    appendMany: async (name, expectedSeq, changes): Promise<AppendResult> => {
      const r = room(name)
      if (r.head !== expectedSeq) return { ok: false, head: r.head }
      checkSeqs(expectedSeq, changes)
      for (const c of changes) add(r, c)
      return { ok: true }
    },
    since: async (name, after, limit = Number.POSITIVE_INFINITY) => {
      const r = room(name)
      if (after < r.compacted) return null
      // The log holds seq compacted+1 … head contiguously, so the index is arithmetic.
      const start = Math.max(0, after - r.compacted)
      return r.log.slice(start, start + limit)
    },
    readSnapshot: async (name) => room(name).snapshot,
    writeSnapshot: async (name, snapshot) => {
      const r = room(name)
      if (!r.snapshot || r.snapshot.seq < snapshot.seq) r.snapshot = snapshot
    },
    compact: async (name, through) => {
      const r = room(name)
      if (through <= r.compacted) return
      const upto = Math.min(through, r.head)
      const removed = r.log.splice(0, upto - r.compacted)
      for (const c of removed) {
        r.ids.delete(c.id)
        const parsed = parseChangeId(c.id)
        const client = parsed && r.clients.get(parsed.client)
        if (client && parsed.counter > client.compacted) client.compacted = parsed.counter
      }
      r.compacted = upto
    },
    applied: async (name, id) => {
      const r = room(name)
      const hit = r.ids.get(id)
      if (hit)
        return hit.digest === undefined ? { seq: hit.seq } : { seq: hit.seq, digest: hit.digest }
      const parsed = parseChangeId(id)
      if (!parsed) return undefined
      const last = r.clients.get(parsed.client)
      return last && parsed.counter <= last.compacted ? { compacted: true } : undefined
    },
    clientCounter: async (name, client) => room(name).clients.get(client)?.counter ?? 0,
    clientOwner: async (name, client) => room(name).owners.get(client),
    claimClient: async (name, client, principal) => {
      const owners = room(name).owners
      const owner = owners.get(client)
      if (owner !== undefined) return owner
      owners.set(client, principal)
      return principal
    },
    addVersion: async (name, version, keep) => {
      const versions = room(name).versions
      versions.push(version)
      versions.splice(0, Math.max(0, versions.length - keep))
    },
    versions: async (name) =>
      room(name).versions.map(({ id, seq, takenAt, reason }) => ({ id, seq, takenAt, reason })),
    readVersion: async (name, id) => room(name).versions.find((v) => v.id === id),
    rooms: async () => [...rooms.keys()],
    ping: async () => !closed,
    close: async () => {
      closed = true
      rooms.clear()
    },
  }
}

function checkSeqs(expectedSeq: number, changes: readonly StoredChange[]): void {
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

function add(r: MemoryRoom, change: StoredChange): void {
  r.log.push(change)
  r.head = change.seq
  r.ids.set(change.id, change)
  const parsed = parseChangeId(change.id)
  if (!parsed) return
  const prev = r.clients.get(parsed.client)
  if (!prev) r.clients.set(parsed.client, { counter: parsed.counter, compacted: -1 })
  else if (prev.counter < parsed.counter) prev.counter = parsed.counter
}
