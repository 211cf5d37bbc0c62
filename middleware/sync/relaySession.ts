import type { JoinAck, JoinRequest, RejectReason, RelayChange } from '../../src/protocol'
import { isJoinAck, isPushAck, isRelayChange, isRelayChanges } from '../../src/protocolGuards'
import type { PatchIssue } from '../../src/types'
import type { ConfirmedModel, PendingChange } from './confirmedModel'
import {
  changesPerPush,
  describeRefusal,
  MAX_BATCH,
  MAX_RETRY_MS,
  RETRY_MS,
  TRANSIENT,
} from './relayAnswers'
import type { RelaySession, RelaySessionSettings, SessionIds } from './relaySessionTypes'
import { createSeedRaces } from './seedRaces'
import { createOutcomeRecorder, type SessionOutcome } from './sessionOutcome'
import type { RelaySocket } from './types'

/**
 * Joins the room on every (re)connect with the last applied sequence, applies
 * relay changes in sequence order (asking for missing ranges), pushes pending
 * changes in order one request at a time, and re-pushes them after a
 * reconnect: the relay's id dedup makes that exactly-once.
 *
 * Each step (a join, a catch-up, a push answer, a relay change, a connection
 * event) moves the model and hands what it did to `route` as one
 * `SessionOutcome`, before anything else is sent.
 *
 * @example
 * ```ts
 * const session = createRelaySession(socket, settings, model, ids, route)
 * model.addLocal(change)
 * session.localChanged()
 * ```
 */
export function createRelaySession(
  socket: RelaySocket,
  settings: RelaySessionSettings,
  model: ConfirmedModel,
  ids: SessionIds,
  route: (outcome: SessionOutcome) => void,
): RelaySession {
  const { room, clientId } = settings
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
  const seeds = createSeedRaces(model)
  /**
   * Pending changes the relay accepted at a sequence `B` had not reached
   * (the answer came before the relay change): they leave `P` once `B` is
   * there, whatever ops the relay kept of them.
   */
  const acceptedAhead = new Map<string, number>()
  const record = createOutcomeRecorder(model)
  const { status, count, apply } = record
  /** Hands the step's outcome to the router (at the end of every step). */
  const flush = () => route(record.take())
  const rename = (change: PendingChange, to: string) => {
    const from = change.id
    if (!model.replace(from, { ...change, id: to })) return
    seeds.renamed(from, to)
    record.renamed(from, to)
  }
  const settleAccepted = () => {
    for (const [id, seq] of acceptedAhead) {
      if (!model.has(id)) acceptedAhead.delete(id)
      else if (seq <= model.lastSeq) {
        acceptedAhead.delete(id)
        record.held(id, seq)
      }
    }
  }

  const process = () => {
    const { steps, resync } = model.drain()
    if (seeds.open) seeds.saw(steps)
    record.drained(steps)
    settleAccepted()
    const last = steps[steps.length - 1]?.change
    if (steps.length > 0) {
      record.changed()
      record.reportModel(last)
    }
    if (resync) {
      status({ lastError: 'The confirmed state no longer matched the relay; replaying.' })
      join(true)
      return
    }
    const gap = model.gap()
    if (gap) {
      if (!catching) count({ gaps: 1 })
      catchUp(gap.since, gap.until)
    } else if (knownHead > model.lastSeq) catchUp(model.lastSeq, knownHead)
  }

  const takeLog = (ack: Extract<JoinAck, { ok: true }>, since: number | undefined) => {
    knownHead = Math.max(knownHead, ack.seq)
    const changes = ack.changes.filter(isRelayChange).filter((c) => c.room === room)
    if ('snapshot' in ack) {
      // The relay's snapshot is its truth, even behind our sequence (a store that lost data).
      apply(model.reset(ack.snapshot, changes.length > 0 ? changes[0]!.seq - 1 : ack.seq))
    } else if (since === undefined && model.lastSeq > 0) {
      apply(model.reset({}, 0))
    }
    for (const change of changes) record.offer(change)
  }

  const catchUp = (since: number, until: number) => {
    if (catching || !joined) return
    catching = true
    count({ refetches: 1 })
    const gen = generation
    socket.emit('catchUp', { room, since, until }, (ack) => {
      if (gen !== generation || stopped) return
      catching = false
      if (!isJoinAck(ack) || !ack.ok) {
        status({ lastError: `catch-up refused: ${describeRefusal(ack)}` }, true)
        retryTimer ??= setTimeout(() => {
          retryTimer = undefined
          if (gen === generation && !stopped) {
            process()
            flush()
          }
        }, RETRY_MS)
        flush()
        return
      }
      takeLog(ack, since)
      process()
      flush()
    })
  }

  const joinRefused = (ack: unknown) => {
    refused = true
    status({ connection: 'offline', lastError: `join refused: ${describeRefusal(ack)}` }, true)
    if (isJoinAck(ack) && !ack.ok) {
      if (ack.reason === 'skew') count({ schemaSkews: 1 })
      // The reason as data, so a Suspense boundary can fail with it instead of waiting on.
      status({ joinRefusal: { reason: ack.reason, message: ack.message } })
    }
  }

  // A new connection, or the loss of one, starts a generation. A retry armed
  // in the last one does nothing when it fires (its generation is gone), and
  // while it is pending `retryTimer ??=` would keep this generation from
  // arming its own: a join refused `unavailable` on a connection that came
  // back within the wait would never be asked again. So it is dropped here.
  const nextGeneration = (): number => {
    if (retryTimer !== undefined) clearTimeout(retryTimer)
    retryTimer = undefined
    return ++generation
  }

  const join = (full = false) => {
    joined = false
    catching = false
    pushing = false
    const gen = nextGeneration()
    const req: JoinRequest = {
      room,
      schemaVersion: settings.schemaVersion,
      clientId,
      // Own changes come back in the push answers: no second copy per write.
      echo: false,
      // The changes of one push come as one frame, and reach the store as one applyPatch.
      frames: true,
    }
    if (!full && model.lastSeq > 0) req.since = model.lastSeq
    status({ connection: 'connecting' }, true)
    socket.emit('join', req, (ack) => {
      if (gen !== generation || stopped) return
      if (!isJoinAck(ack) || !ack.ok) {
        if (isJoinAck(ack) && !ack.ok && TRANSIENT.has(ack.reason)) {
          retryTimer ??= setTimeout(() => {
            retryTimer = undefined
            if (gen === generation && !stopped) {
              join(full)
              flush()
            }
          }, RETRY_MS)
          return
        }
        joinRefused(ack)
        flush()
        return
      }
      refused = false
      joined = true
      sent = new Set()
      // Everything queued goes in one push, up to what the relay takes in one.
      batchLimit = changesPerPush(ack)
      takeLog(ack, req.since)
      // Before the first push: a client that restarted without its counter must not reuse an id.
      if (ack.client?.id === clientId) {
        for (const { change, to } of ids.continueAfter(ack.client.counter)) rename(change, to)
        record.changed()
      }
      // The room already holds what these seeds would write: drop them instead of pushing them.
      for (const seed of seeds.joined()) apply(model.drop(seed.id))
      status({ connection: 'live', lastError: null, joinedOnce: true, joinRefusal: null }, true)
      record.joined()
      process()
      record.reportModel()
      record.changed()
      flush()
      pushNow()
    })
  }

  const pushNow = () => {
    if (pushTimer !== undefined) clearTimeout(pushTimer)
    pushTimer = undefined
    if (!joined || pushing || settings.readOnly || stopped) return
    const batch = model.pending.filter((p) => !sent.has(p.id)).slice(0, batchLimit)
    if (batch.length === 0) return
    pushing = true
    const gen = generation
    const changes = batch.map(({ id, ts, ops }) => ({ id, ts, ops }))
    socket.emit('push', { room, changes }, (ack) => {
      if (gen !== generation || stopped) return
      pushing = false
      let notNow = false
      if (!isPushAck(ack)) {
        status({ lastError: 'The relay answered a push with a malformed acknowledgement.' })
        flush()
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
        const byId = new Map(batch.map((c) => [c.id, c]))
        for (const result of ack.results) {
          const change = byId.get(result.id)
          if (!change) continue
          if ('reason' in result && TRANSIENT.has(result.reason)) {
            // "Not now" for this change (the store was down, its room had no reachable
            // owner): it stays pending and goes again, like a whole push refused so.
            notNow = true
            continue
          }
          sent.add(change.id)
          if ('seq' in result) accepted(change, result)
          else refuse(change, result.reason, result.message, result.issues ?? [])
        }
        if (!notNow) pushBackoff = RETRY_MS
      }
      process()
      record.reportModel()
      record.changed()
      flush()
      if (!notNow) pushNow()
      else {
        pushTimer = setTimeout(pushNow, pushBackoff)
        pushBackoff = Math.min(pushBackoff * 2, MAX_RETRY_MS)
      }
    })
  }

  const accepted = (
    change: PendingChange,
    result: { seq: number; dropped?: number; ops?: RelayChange['ops'] },
  ) => {
    if (result.dropped) {
      const lost = change.seed ? seeds.lostOnAccept(change, result.ops) : result.dropped
      if (lost > 0) count({ ignoredStale: lost })
    }
    seeds.close(change.id)
    if (result.seq <= model.lastSeq) {
      // Already in B: accepted at its own sequence.
      record.held(change.id, result.seq)
      return
    }
    knownHead = Math.max(knownHead, result.seq)
    acceptedAhead.set(change.id, result.seq)
    // Without the applied ops (some were stale) the relay's own copy is fetched.
    if (result.ops !== undefined || !result.dropped) {
      model.offer({
        room,
        seq: result.seq,
        id: change.id,
        origin: clientId,
        ts: change.ts,
        ops: result.ops ?? change.ops,
      })
    }
  }

  const refuse = (
    change: PendingChange,
    reason: RejectReason,
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
      const to = ids.renumber(change)
      if (to !== undefined) {
        rename(change, to)
        return
      }
    }
    apply(model.drop(change.id))
    if (change.seed && reason === 'stale' && seeds.lost(change, () => true).length === 0) return
    record.refused({
      change,
      reason,
      issues: issues.length > 0 || !message ? issues : [{ message }],
    })
  }

  const onConnect = () => {
    join()
    flush()
  }
  const onDisconnect = (reason: string) => {
    nextGeneration()
    joined = false
    pushing = false
    catching = false
    status({ connection: 'offline' }, true)
    record.lost(goodbyeReason ?? reason)
    // socket.io-client does not reconnect after a server-side disconnect; a relay
    // that said it is shutting down will be back, so try again as it would.
    if (reason === 'io server disconnect' && goodbyeReason === 'shutdown' && !stopped) {
      retryTimer ??= setTimeout(() => {
        retryTimer = undefined
        if (!stopped && !socket.active) socket.connect()
      }, RETRY_MS)
    }
    goodbyeReason = undefined
    flush()
  }
  // A frame is offered change by change and processed once: one applyPatch carries
  // them all, each with its own seq, id and origin. Answers are separate packets,
  // so none is handled between the changes of one frame.
  const take = (changes: readonly RelayChange[]) => {
    for (const change of changes) {
      knownHead = Math.max(knownHead, change.seq)
      record.offer(change)
    }
    if (joined) process()
    flush()
  }
  const onChange = (change: unknown) => {
    if (isRelayChange(change) && change.room === room) take([change])
  }
  const onChanges = (frame: unknown) => {
    if (isRelayChanges(frame) && frame.room === room) take(frame.changes)
  }
  const onGoodbye = (info: unknown) => {
    const reason = (info as { reason?: unknown })?.reason
    goodbyeReason = String(reason)
    status({ lastError: `relay said goodbye: ${String(reason)}` }, true)
    flush()
  }
  const onConnectError = (err: Error) => {
    status({ connection: 'offline', lastError: `cannot reach the relay: ${err.message}` }, true)
    flush()
  }

  socket.on('connect', onConnect)
  socket.on('connect_error', onConnectError)
  socket.on('disconnect', onDisconnect)
  socket.on('change', onChange)
  socket.on('changes', onChanges)
  socket.on('goodbye', onGoodbye)
  if (socket.connected) join()
  else if (!socket.active) socket.connect()
  else status({ connection: 'connecting' }, true)
  flush()

  return {
    localChanged() {
      if (refused || pushTimer !== undefined) return
      if (settings.batchMs > 0) pushTimer = setTimeout(pushNow, settings.batchMs)
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
      socket.off('changes', onChanges)
      socket.off('goodbye', onGoodbye)
    },
  }
}
