import { expect } from 'vitest'
import type { ConfirmedResult } from '../../middleware/sync/guarantees/confirmed'
import { PatchwireError } from '../../src/errors'
import type { PushResult, RelayChange } from '../../src/protocol'
import { type ClientSlot, type Incarnation, resume } from './convergenceClients'
import { type ConvergenceStats, type ConvergenceTarget, inspect } from './convergenceTarget'
import { eventually } from './helpers'
import { clientOf, type hostileUser, reasonOf } from './hostileUser'

/**
 * The invariants at the end of every convergence case:
 * - every open honest client is live, has nothing pending, has seen the
 *   room's last sequence and equals the relay's room state;
 * - the log holds each change id once; every change the relay acknowledged
 *   (to a socket, to `confirmed()`) is in the log at its sequence, with its
 *   content; no change of an honest client is lost, and none is attributed
 *   to another writer (values name their author: `c<slot>.<n>` items,
 *   `t<slot>.<n>` themes, `1000·(slot+1)+n` fields);
 * - every refusal reached its writer as a typed outcome: a `patchRejected`
 *   for each change the relay refused, a `PatchwireError` for each rejected
 *   `confirmed()`; refused changes are not in the room; a change answered
 *   "not now" (`unavailable`, `rate_limited`) is pushed again until the log
 *   holds it or the relay refuses it for good, and one refused `id_conflict`
 *   goes again under a new id;
 * - every hostile attempt on another user's ids was refused, and the room
 *   holds nothing it tried to write.
 */

export interface ConfirmedWrite {
  inc: Incarnation
  item: string
  outcome?: { ok: true; result: ConfirmedResult } | { ok: false; error: unknown }
}

export interface CaseRecord {
  target: ConvergenceTarget
  room: string
  slots: ClientSlot[]
  confirmedWrites: ConfirmedWrite[]
  serverWrites: { verdict: Promise<PushResult>; item?: string }[]
  mallory: ReturnType<typeof hostileUser>
  seen: ConvergenceStats
}

/** Verdicts that mean "push again later", not a refusal. */
const NOT_NOW: ReadonlySet<string> = new Set(['unavailable', 'rate_limited'])

type Author = { honest: number } | 'mallory' | 'hostile' | 'server' | 'unknown'

/** Who wrote a change, read from the values it writes. */
function authorOf(change: RelayChange): Author {
  for (const op of change.ops) {
    const v = (op as { value?: unknown }).value
    if (typeof v === 'number') return v >= 1000 ? { honest: Math.floor(v / 1000) - 1 } : 'server'
    if (typeof v !== 'string') continue
    const honest = /^[ct](\d+)\./.exec(v)
    if (honest) return { honest: Number(honest[1]) }
    if (v.startsWith('m')) return 'mallory'
    if (v.startsWith('x')) return 'hostile'
    if (v.startsWith('s')) return 'server'
  }
  return 'unknown'
}

const itemsOf = (ops: readonly unknown[]): string[] =>
  ops.flatMap((op) => {
    const v = (op as { value?: unknown }).value
    return typeof v === 'string' && /^c\d+\./.test(v) ? [v] : []
  })

const isRefusal = (answer: unknown): boolean => {
  const a = answer as { ok?: boolean; results?: { reason?: string }[] }
  return a.ok === false || (a.results ?? []).every((r) => r.reason !== undefined)
}

export async function checkCase(c: CaseRecord): Promise<void> {
  const { target, room, slots, seen } = c
  const open = slots.flatMap((s) => s.open())
  for (const inc of open) {
    resume(inc)
    if (inc.socket && !inc.socket.active) inc.socket.connect()
  }
  // Status dispatches are coalesced and a closed relay's disconnects arrive
  // asynchronously: let both land before reading the status.
  await new Promise((r) => setTimeout(r, 20))
  await eventually(() => {
    for (const inc of open) {
      if (inc.socket) expect(inc.socket.connected, `${inc.name} connected`).toBe(true)
      expect(inc.live().patchwire.sync[room], inc.name).toMatchObject({
        connection: 'live',
        pending: 0,
      })
    }
  }, 30_000)
  const attempts = await Promise.all(c.mallory.attempts)
  // A write refused while the relay restarts is `unavailable`: only accepted ones count.
  const allowed = new Set<string>()
  const required = new Set<string>()
  for (const w of c.serverWrites) {
    const v = await w.verdict
    if (!('seq' in v)) continue
    seen.serverWrites++
    if (w.item !== undefined && !v.dropped) required.add(w.item)
  }
  const head = (await inspect(target, room)).seq
  await eventually(() => {
    for (const inc of open) expect(inc.live().patchwire.sync[room]?.lastSeq, inc.name).toBe(head)
  }, 30_000)
  const roomAck = await inspect(target, room)
  if (!('snapshot' in roomAck)) throw new Error('the inspector got no snapshot')
  const roomState = roomAck.snapshot
  for (const inc of open) {
    const live = inc.live()
    expect({ todos: live.todos, settings: live.settings }, inc.name).toEqual(roomState)
  }
  const log = (await inspect(target, room, 0)).changes
  const bySeq = new Map(log.map((ch) => [ch.seq, ch]))

  // Each id once in the log, and each writer under ids of its own.
  expect(new Set(log.map((ch) => ch.id)).size).toBe(log.length)
  const writerOfClient = new Map<string, number>()
  for (const ch of log) {
    const author = authorOf(ch)
    const client = clientOf(ch.id)
    expect(author, `author of ${ch.id}`).not.toBe('hostile')
    if (author === 'mallory') expect(client).toBe(c.mallory.own)
    if (author === 'server') expect(client.startsWith('server:'), ch.id).toBe(true)
    if (typeof author !== 'object') continue
    const slot = slots[author.honest]!
    if (slot.fixedId) expect(client, `${ch.id} of c${author.honest}`).toBe(slot.fixedId)
    expect(client.startsWith('mallory') || client.startsWith('server:'), ch.id).toBe(false)
    expect(writerOfClient.get(client) ?? author.honest, `writer of ${client}`).toBe(author.honest)
    writerOfClient.set(client, author.honest)
  }

  // What each socket heard accepted is in the log at that sequence.
  for (const slot of slots) {
    for (const inc of slot.incarnations) {
      for (const [id, seq] of inc.acked) expect(bySeq.get(seq)?.id, `${inc.name} ${id}`).toBe(id)
    }
  }

  // Refusals reached their writers; confirmed() settled with the log's own seq.
  const refusedItems = new Set<string>()
  for (const slot of slots) {
    for (const inc of slot.incarnations) {
      for (const r of inc.rejected) for (const item of itemsOf(r.change.ops)) refusedItems.add(item)
    }
  }
  const logged = new Set(log.map((ch) => ch.id))
  for (const inc of open) {
    for (const [id, reason] of inc.refused) {
      if (inc.acked.has(id) || inc.seeds.has(id)) continue
      // "Not now": the change stayed pending and went again. It is in the log (the
      // store may have taken it the first time, its reply lost) or was refused later.
      if (NOT_NOW.has(reason) && logged.has(id)) continue
      // Another process under this fixed client id took the id first: the change went
      // again under a new id, unreported (its content is checked below, with every item).
      if (reason === 'id_conflict' && !inc.rejected.some((r) => r.change.id === id)) continue
      expect(
        inc.rejected.some((r) => r.change.id === id),
        `${inc.name}: the refusal of ${id} (${reason}) reached the app`,
      ).toBe(true)
    }
  }
  await eventually(() => {
    for (const w of c.confirmedWrites) {
      if (!w.inc.closed) expect(w.outcome, `confirmed ${w.item} settled`).toBeDefined()
    }
  }, 30_000)
  for (const w of c.confirmedWrites) {
    if (!w.outcome) continue
    seen.confirmedWrites++
    if (w.outcome.ok) {
      required.add(w.item)
      for (const { id, seq } of w.outcome.result.changes) {
        const logged = bySeq.get(seq)
        expect(logged?.id, `confirmed ${w.item} at ${seq}`).toBe(id)
        expect(itemsOf(logged?.ops ?? []), `content of ${id}`).toContain(w.item)
      }
    } else {
      expect(w.outcome.error, `confirmed ${w.item} failed typed`).toBeInstanceOf(PatchwireError)
      // Closing the app rejects what it still awaited (`offline`), but a
      // persisted outbox still holds the change: the reloaded app pushes it.
      if (!w.inc.closed) refusedItems.add(w.item)
    }
  }

  // No honest change lost: an open (or persisted) app's items are all in the room but those refused.
  for (const slot of slots) {
    for (const inc of slot.incarnations) {
      const kept = !inc.closed || slot.kind.kind === 'persisted'
      for (const item of inc.items) {
        allowed.add(item)
        if (kept && !refusedItems.has(item)) required.add(item)
      }
    }
  }
  for (const a of attempts) {
    if (a.answer === undefined) continue
    if (a.move === 'own') {
      const accepted = (a.answer as { ok?: boolean; results?: { seq?: number }[] }).results?.[0]
        ?.seq
      expect(
        accepted !== undefined || reasonOf(a.answer) === 'unavailable',
        `own write ${JSON.stringify(a.answer)}`,
      ).toBe(true)
      if (accepted !== undefined) required.add(a.item!)
      allowed.add(a.item!)
      continue
    }
    seen.hostileRefused++
    expect(
      isRefusal(a.answer),
      `hostile ${a.move} under ${a.under}: ${JSON.stringify(a.answer)}`,
    ).toBe(true)
    // A join under another user's id is forbidden; a push under it is forbidden (a
    // bound tab id) or bad_request (ids must start with the joined client id).
    const reasons = a.move === 'join' ? ['forbidden'] : ['forbidden', 'bad_request']
    if (!a.under.startsWith('server:')) {
      expect(reasons, `hostile ${a.move} under ${a.under}: ${JSON.stringify(a.answer)}`).toContain(
        reasonOf(a.answer),
      )
    }
  }
  const items = (roomState.todos as { items: string[] }).items
  expect(new Set(items).size, `no item twice: ${items.join(' ')}`).toBe(items.length)
  for (const item of required) expect(items, `item ${item} kept`).toContain(item)
  for (const item of items) {
    if (item.startsWith('s')) continue
    expect(allowed.has(item), `item ${item} was written`).toBe(true)
    expect(refusedItems.has(item), `refused item ${item} is not in the room`).toBe(false)
  }
}
