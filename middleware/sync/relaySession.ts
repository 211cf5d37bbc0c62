import type { SyncStatus } from '../../slices/patchwireSlice'
import type { JoinAck, JoinRequest, RejectReason, RelayChange } from '../../src/protocol'
import type { PatchIssue, PatchOp } from '../../src/types'
import { getAt } from './allowedPaths'
import type { PendingChange, VisibleStep } from './confirmedModel'
import { firstWriteAt, seedOpsLost, seedOpsToPush } from './confirmedModel'
import type { RelaySession, RelaySessionHost } from './relaySessionHost'
import type { RelaySocket } from './types'
import { isJoinAck, isPushAck, isRelayChange } from './wireGuards'

// Changes per push request when the relay does not say how many it takes
// (one that predates telling it on join): its default limit then.
const MAX_BATCH = 100
// Wait before retrying what the relay could not take right now.
const RETRY_MS = 250
const MAX_RETRY_MS = 8000
// Refusals that say "not now" rather than "no": the request is retried.
const TRANSIENT: ReadonlySet<string> = new Set(['rate_limited', 'unavailable'])

/**
 * Joins the room on every (re)connect with the last applied sequence, applies
 * relay changes in sequence order (asking for missing ranges), pushes pending
 * changes in order one request at a time, and re-pushes them after a
 * reconnect: the relay's id dedup makes that exactly-once.
 *
 * @example
 * ```ts
 * const session = createRelaySession(socket, host)
 * host.model.addLocal(change)
 * session.localChanged()
 * ```
 */
export function createRelaySession(socket: RelaySocket, host: RelaySessionHost): RelaySession {
  const { model, room } = host
  // Bumped on every connect and disconnect: an ack from an older connection is ignored.
  let generation = 0
  let joined = false
  let pushing = false
  let catching = false
  let refused = false
  let knownHead = 0
  let sent = new Set<string>()
  let pushTimer: ReturnType<typeof setTimeout> | undefined
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  let stopped = false
  let batchLimit = MAX_BATCH
  let pushBackoff = RETRY_MS
  let goodbyeReason: string | undefined
  /**
   * Per pending seed, the paths the room lacked at the last join. A seed
   * losing other paths yields to data the room held (its purpose); losing
   * one of these, with another value, lost a race with another fresh
   * client's seed, and is reported. Each path keeps what the first relay
   * change after the join wrote there: the write the seed raced, which later
   * changes must not be mistaken for.
   */
  const seedOpen = new Map<string, Map<string, SeedPath>>()
  /**
   * Pending changes the relay accepted at a sequence `B` had not reached
   * (the answer came before the relay change): they leave `P` once `B` is
   * there, whatever ops the relay kept of them.
   */
  const acceptedAhead = new Map<string, number>()

  const reportModel = (lagFrom?: RelayChange) => {
    const fields: Partial<SyncStatus> = { lastSeq: model.lastSeq, pending: model.pending.length }
    if (lagFrom) {
      const wall = Number(lagFrom.ts.slice(0, 15))
      // A room seed carries the oldest possible timestamp (wall 0) so any real write wins;
      // it says nothing about delivery delay.
      if (Number.isFinite(wall) && wall > 0) fields.lagMs = Math.max(0, Date.now() - wall)
    }
    host.status(fields)
  }

  const apply = (steps: VisibleStep[]) => {
    if (steps.length > 0) host.apply(steps)
  }

  const settleAccepted = () => {
    for (const [id, seq] of acceptedAhead) {
      if (!model.has(id)) acceptedAhead.delete(id)
      else if (seq <= model.lastSeq) {
        acceptedAhead.delete(id)
        const step = model.held(id, seq)
        if (step) apply([step])
      }
    }
  }

  /** Notes, per open seed path, the first relay change of another that wrote it. */
  const noteSeedRivals = (steps: readonly VisibleStep[]) => {
    for (const { change } of steps) {
      if (!change) continue
      for (const [id, open] of seedOpen) {
        if (change.id === id) continue
        for (const entry of open.values()) {
          entry.rival ??= firstWriteAt(change.ops, entry.path)
        }
      }
    }
  }

  const process = () => {
    const { steps, resync } = model.drain()
    if (seedOpen.size > 0) noteSeedRivals(steps)
    apply(steps)
    settleAccepted()
    const last = steps[steps.length - 1]?.change
    if (steps.length > 0) {
      host.changed()
      reportModel(last)
    }
    if (resync) {
      host.status({ lastError: 'The confirmed state no longer matched the relay; replaying.' })
      join(true)
      return
    }
    const gap = model.gap()
    if (gap) {
      if (!catching) host.count({ gaps: 1 })
      catchUp(gap.since, gap.until)
    } else if (knownHead > model.lastSeq) catchUp(model.lastSeq, knownHead)
  }

  const takeLog = (ack: Extract<JoinAck, { ok: true }>, since: number | undefined) => {
    knownHead = Math.max(knownHead, ack.seq)
    const changes = ack.changes.filter(isRelayChange).filter((c) => c.room === room)
    if ('snapshot' in ack) {
      // The relay's snapshot is its truth, even behind our sequence (a store that lost data).
      apply([model.reset(ack.snapshot, changes.length > 0 ? changes[0]!.seq - 1 : ack.seq)])
    } else if (since === undefined && model.lastSeq > 0) {
      apply([model.reset({}, 0)])
    }
    for (const change of changes) {
      host.seen(change)
      model.offer(change)
    }
  }

  const catchUp = (since: number, until: number) => {
    if (catching || !joined) return
    catching = true
    host.count({ refetches: 1 })
    const gen = generation
    socket.emit('catchUp', { room, since, until }, (ack) => {
      if (gen !== generation || stopped) return
      catching = false
      if (!isJoinAck(ack) || !ack.ok) {
        host.status({ lastError: `catch-up refused: ${describeRefusal(ack)}` }, true)
        retryTimer ??= setTimeout(() => {
          retryTimer = undefined
          if (gen === generation && !stopped) process()
        }, RETRY_MS)
        return
      }
      takeLog(ack, since)
      process()
    })
  }

  const join = (full = false) => {
    joined = false
    catching = false
    pushing = false
    const gen = ++generation
    const req: JoinRequest = {
      room,
      schemaVersion: host.schemaVersion,
      clientId: host.clientId,
      // Own changes come back in the push answers: no second copy per write.
      echo: false,
    }
    if (!full && model.lastSeq > 0) req.since = model.lastSeq
    host.status({ connection: 'connecting' }, true)
    socket.emit('join', req, (ack) => {
      if (gen !== generation || stopped) return
      if (!isJoinAck(ack) || !ack.ok) {
        if (isJoinAck(ack) && !ack.ok && TRANSIENT.has(ack.reason)) {
          retryTimer ??= setTimeout(() => {
            retryTimer = undefined
            if (gen === generation && !stopped) join(full)
          }, RETRY_MS)
          return
        }
        refused = true
        const fields: Partial<SyncStatus> = {
          connection: 'offline',
          lastError: `join refused: ${describeRefusal(ack)}`,
        }
        if (isJoinAck(ack) && !ack.ok) {
          if (ack.reason === 'skew') host.count({ schemaSkews: 1 })
          // The reason as data, so a Suspense boundary can fail with it instead of waiting on.
          fields.joinRefusal = { reason: ack.reason, message: ack.message }
        }
        host.status(fields, true)
        return
      }
      refused = false
      joined = true
      sent = new Set()
      // Everything queued goes in one push, up to what the relay takes in one.
      batchLimit = changesPerPush(ack)
      takeLog(ack, req.since)
      // Before the first push: a client that restarted without its counter must not reuse an id.
      if (ack.client?.id === host.clientId) host.continueAfter(ack.client.counter)
      for (const p of [...model.pending]) {
        if (!p.seed) continue
        const open = seedOpsToPush(p, model.base)
        // The room already holds what the seed would write: drop it instead of pushing it.
        if (open.length === 0) apply(dropped(p.id))
        else seedOpen.set(p.id, new Map(open.map((op) => [pathKey(op), { path: op.path }])))
      }
      host.status(
        { connection: 'live', lastError: null, joinedOnce: true, joinRefusal: null },
        true,
      )
      host.joined?.()
      process()
      reportModel()
      host.changed()
      pushNow()
    })
  }

  /** The ops of a seed (those `pick` selects) that another fresh client's seed beat with other values. */
  const seedLost = (seed: PendingChange, pick: (op: PatchOp) => boolean): PatchOp[] => {
    const open = seedOpen.get(seed.id)
    seedOpen.delete(seed.id)
    const raced = seed.ops.filter((op) => pick(op) && open?.has(pathKey(op)))
    return seedOpsLost(raced, (op) => {
      const rival = open?.get(pathKey(op))?.rival
      // Not seen yet (its relay change is still on the way): the room's value now.
      if (rival === undefined) return getAt(model.base, op.path.map(String))
      return rival === 'deeper' ? DEEPER : rival.value
    })
  }

  const dropped = (id: string): VisibleStep[] => {
    const step = model.drop(id)
    return step ? [step] : []
  }

  const pushNow = () => {
    if (pushTimer !== undefined) clearTimeout(pushTimer)
    pushTimer = undefined
    if (!joined || pushing || host.readOnly || stopped) return
    const batch = model.pending.filter((p) => !sent.has(p.id)).slice(0, batchLimit)
    if (batch.length === 0) return
    pushing = true
    const gen = generation
    const changes = batch.map(({ id, ts, ops }) => ({ id, ts, ops }))
    socket.emit('push', { room, changes }, (ack) => {
      if (gen !== generation || stopped) return
      pushing = false
      if (!isPushAck(ack)) {
        host.status({ lastError: 'The relay answered a push with a malformed acknowledgement.' })
        return
      }
      if (!ack.ok) {
        if (ack.reason === 'too_large' && batch.length > 1) {
          // The request as a whole was too big: send fewer changes per push.
          batchLimit = Math.max(1, Math.floor(batch.length / 2))
          pushNow()
          return
        }
        if (TRANSIENT.has(ack.reason)) {
          // The relay's burst allowance may be smaller than a full batch.
          if (ack.reason === 'rate_limited') batchLimit = Math.max(1, Math.ceil(batch.length / 2))
          // Back off while refused, so a long offline queue does not trip the relay's violation limit.
          pushTimer = setTimeout(pushNow, pushBackoff)
          pushBackoff = Math.min(pushBackoff * 2, MAX_RETRY_MS)
          return
        }
        for (const change of batch) refuse(change, ack.reason, ack.message, [])
      } else {
        pushBackoff = RETRY_MS
        const byId = new Map(batch.map((c) => [c.id, c]))
        for (const result of ack.results) {
          const change = byId.get(result.id)
          if (!change) continue
          sent.add(change.id)
          if ('seq' in result) {
            if (result.dropped) {
              const kept = new Set((result.ops ?? []).map(pathKey))
              const lost = change.seed
                ? seedLost(change, (op) => !kept.has(pathKey(op))).length
                : result.dropped
              if (lost > 0) host.count({ ignoredStale: lost })
            }
            seedOpen.delete(change.id)
            if (result.seq <= model.lastSeq) {
              // Already in B: accepted at its own sequence.
              const step = model.held(change.id, result.seq)
              if (step) apply([step])
            } else {
              knownHead = Math.max(knownHead, result.seq)
              acceptedAhead.set(change.id, result.seq)
              // Without the applied ops (some were stale) the relay's own copy is fetched.
              if (result.ops !== undefined || !result.dropped) {
                model.offer({
                  room,
                  seq: result.seq,
                  id: change.id,
                  origin: host.clientId,
                  ts: change.ts,
                  ops: result.ops ?? change.ops,
                })
              }
            }
          } else refuse(change, result.reason, result.message, result.issues ?? [])
        }
      }
      process()
      reportModel()
      host.changed()
      pushNow()
    })
  }

  const refuse = (
    change: PendingChange,
    reason: RejectReason | string,
    message: string | undefined,
    issues: PatchIssue[],
  ) => {
    // A change no longer pending was already settled here (rolled back on a
    // pending timeout and reported then): its late refusal is not news.
    if (!model.has(change.id)) return
    if (reason === 'id_conflict') {
      // Another process under this client id holds the id: this change is
      // not in the room, and under a new id it is pushed again (above every
      // id seen under this client id, so usually once), rather than lost.
      const to = host.renumber(change.id)
      if (to !== undefined) {
        const open = seedOpen.get(change.id)
        seedOpen.delete(change.id)
        if (open) seedOpen.set(to, open)
        return
      }
    }
    apply(dropped(change.id))
    if (change.seed && reason === 'stale' && seedLost(change, () => true).length === 0) return
    host.rejected(change, reason, issues.length > 0 || !message ? issues : [{ message }])
  }

  const onConnect = () => join()
  const onDisconnect = (reason: string) => {
    generation++
    joined = false
    pushing = false
    catching = false
    host.status({ connection: 'offline' }, true)
    host.connectionLost(goodbyeReason ?? reason)
    // socket.io-client does not reconnect after a server-side disconnect; a relay
    // that said it is shutting down will be back, so try again as it would.
    if (reason === 'io server disconnect' && goodbyeReason === 'shutdown' && !stopped) {
      retryTimer ??= setTimeout(() => {
        retryTimer = undefined
        if (!stopped && !socket.active) socket.connect()
      }, RETRY_MS)
    }
    goodbyeReason = undefined
  }
  const onChange = (change: unknown) => {
    if (!isRelayChange(change) || change.room !== room) return
    knownHead = Math.max(knownHead, change.seq)
    host.seen(change)
    model.offer(change)
    if (joined) process()
  }
  const onGoodbye = (info: unknown) => {
    const reason = (info as { reason?: unknown })?.reason
    goodbyeReason = String(reason)
    host.status({ lastError: `relay said goodbye: ${String(reason)}` }, true)
  }

  const onConnectError = (err: Error) => {
    host.status(
      { connection: 'offline', lastError: `cannot reach the relay: ${err.message}` },
      true,
    )
  }

  socket.on('connect', onConnect)
  socket.on('connect_error', onConnectError)
  socket.on('disconnect', onDisconnect)
  socket.on('change', onChange)
  socket.on('goodbye', onGoodbye)
  if (socket.connected) join()
  else if (!socket.active) socket.connect()
  else host.status({ connection: 'connecting' }, true)

  return {
    localChanged() {
      if (refused || pushTimer !== undefined) return
      if (host.batchMs > 0) pushTimer = setTimeout(pushNow, host.batchMs)
      else queueMicrotask(pushNow)
    },
    stop() {
      stopped = true
      if (socket.connected) socket.emit('leave', { room }, () => {})
      if (pushTimer !== undefined) clearTimeout(pushTimer)
      if (retryTimer !== undefined) clearTimeout(retryTimer)
      socket.off('connect', onConnect)
      socket.off('connect_error', onConnectError)
      socket.off('disconnect', onDisconnect)
      socket.off('change', onChange)
      socket.off('goodbye', onGoodbye)
    },
  }
}

const pathKey = (op: PatchOp): string => JSON.stringify(op.path)

/** A path an open seed writes, with the first write of another client there since the join. */
interface SeedPath {
  path: PatchOp['path']
  rival?: { value: unknown } | 'deeper' | undefined
}

/** Stands for "data below the path", which no seed value equals. */
const DEEPER = Symbol('deeper')

/** The relay's limit on changes per push, as its join answer tells it. */
function changesPerPush(ack: Extract<JoinAck, { ok: true }>): number {
  const max = (ack.limits as { maxChangesPerPush?: unknown } | undefined)?.maxChangesPerPush
  return typeof max === 'number' && Number.isSafeInteger(max) && max > 0 ? max : MAX_BATCH
}

function describeRefusal(ack: unknown): string {
  if (isJoinAck(ack) && !ack.ok) return `${ack.reason}: ${ack.message}`
  return 'malformed acknowledgement'
}
