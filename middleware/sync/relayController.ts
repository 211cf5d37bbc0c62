import type { Dispatch, MiddlewareAPI } from '@reduxjs/toolkit'
import { presenceChanged, type SyncStatus } from '../../slices/patchwireSlice'
import { messageOf } from '../../src/errors'
import { compareHlc, createHlc, formatHlc, type HybridLogicalClock } from '../../src/hlc'
import { isTabClientId } from '../../src/tabClientIds'
import type { StoreHub } from '../storeHub'
import { type AllowedPath, diffPaths, project } from './allowedPaths'
import { type ConfirmedModel, createConfirmedModel, type PendingChange } from './confirmedModel'
import { continueIds, ownCounter } from './continueIds'
import { parseDurableState, type SyncDurableState } from './durableState'
import { createWriteGuard } from './guarantees/writeGuard'
import { type IdentityClaim, webLocks } from './identityClaim'
import type { ResolvedSyncOptions } from './options'
import { chooseIdentity, type IdentityChoice } from './outbox/chooseIdentity'
import { createOutboxStore, type OutboxStore } from './outbox/outboxStore'
import { reissuedCopies } from './outbox/reissued'
import { createPendingStatus } from './pendingStatus'
import { createPresenceSession } from './presence/presenceSession'
import { createRelaySession } from './relaySession'
import type { RelaySession } from './relaySessionTypes'
import { renderedStart } from './renderedStart'
import { createOutcomeRouter, dispatchSteps } from './routeOutcome'
import { createStartBuffer } from './startBuffer'
import type { StatusReporter } from './statusReporter'
import type { SyncController } from './syncController'
import type { RelaySocket } from './types'

// How many times one change may take a new id after `id_conflict` answers:
// each new id is above every id seen under the client id, so a second answer
// means the other process wrote again meanwhile; a relay that keeps refusing
// fresh ids is not pushed to forever.
const MAX_RENUMBERS = 16

/** The later of two stored clock readings; one that cannot be read is ignored. */
function latestHlc(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined || b === undefined) return a ?? b
  try {
    return compareHlc(a, b) >= 0 ? a : b
  } catch {
    return a
  }
}

/** A seed carries the oldest possible timestamp, so any real write to its paths wins over it. */
export function seedTimestamp(clientId: string): string {
  return formatHlc({ wall: 0, counter: 0, node: clientId })
}

/** Builds the room's seed: the synced slices as this client starts with them. */
export function makeSeed(
  id: string,
  clientId: string,
  projection: Record<string, unknown>,
): PendingChange | undefined {
  const ops = Object.keys(projection).map((key) => ({
    op: 'add' as const,
    path: [key],
    value: projection[key],
  }))
  return ops.length === 0 ? undefined : { id, ts: seedTimestamp(clientId), ops, seed: true }
}

interface RelayControllerDeps {
  api: MiddlewareAPI<Dispatch>
  hub: StoreHub
  options: ResolvedSyncOptions
  paths: readonly AllowedPath[]
  socket: RelaySocket
  status: StatusReporter
  randomId: () => string
}

/**
 * Primary and read-only mode: registers the durable part, waits for hydration,
 * then runs a relay session on the socket, whose outcomes go to the one
 * router (`routeOutcome.ts`), and keeps the write guarantees of `confirmed`
 * and the pending timeouts (`guarantees/writeGuard.ts`).
 */
export function createRelayController(deps: RelayControllerDeps): SyncController {
  const { api, hub, options, paths, status } = deps
  const room = options.room
  const readOnly = options.mode === 'readOnly'
  const durableName = `sync:${room}`
  let restored: SyncDurableState | undefined
  let model: ConfirmedModel | undefined
  let pendingStatus: (() => Partial<SyncStatus>) | undefined
  let clock: HybridLogicalClock | undefined
  let clientId = options.clientId ?? ''
  let counter = 0
  /** The counter of the first id this process made; ids from there were never pushed before the first join. */
  let firstOwn = 1
  let continued = false
  /** Per pending change that took a new id after `id_conflict`: how many times it did. */
  const renumbers = new Map<string, number>()
  let session: RelaySession | undefined
  let stopped = false
  const early = createStartBuffer(api.getState(), paths)
  /** The live state after the last change before the start (the shown one may be a past state). */
  let liveBeforeStart: unknown
  // Before persist restores anything: what a server render embedded as preloaded state.
  const preloaded = options.rendered ? project(api.getState(), paths) : {}
  const locks = options.tabLocks ?? webLocks()
  // The claim on the identity this tab writes under, held until it stops.
  let identity: IdentityClaim | undefined
  // With persist, each tab's outbox is an entry of its own (outbox/outboxStore.ts);
  // the shared durable part then keeps only what any tab may overwrite: B and its sequence.
  let outboxes: OutboxStore | undefined
  let savedOutbox = ''
  const unlisten: (() => void)[] = []
  const guard = createWriteGuard({
    api,
    hub,
    options,
    pendingChanged: () => {
      if (pendingStatus) status.set(pendingStatus())
    },
  })
  // Presence needs no hydration: a value set before the first join goes out with it.
  const presence = createPresenceSession(deps.socket, {
    room,
    now: options.now,
    publish: (p) => api.dispatch(presenceChanged({ room, ...p })),
  })

  hub.addDurable(durableName, {
    read: (): SyncDurableState | undefined =>
      model && clock
        ? {
            v: 1,
            clientId,
            counter,
            hlc: formatHlc(clock.peek()),
            lastSeq: model.lastSeq,
            base: model.base,
            pending: outboxes ? [] : model.pending.slice(),
          }
        : restored,
    restore: (value) => {
      restored = parseDurableState(value)
    },
  })

  const saveOutbox = () => {
    if (!outboxes || !model || !clock) return
    const pending = model.pending.slice()
    // The clock moves with every relay change; the outbox is rewritten only when its changes do.
    const key = `${counter}|${pending.map((p) => p.id).join(',')}`
    if (key === savedOutbox) return
    savedOutbox = key
    outboxes.save({ v: 1, clientId, counter, hlc: formatHlc(clock.peek()), pending })
  }

  const nextId = () => `${clientId}:${++counter}`

  const show = (steps: Parameters<typeof dispatchSteps>[2]) => dispatchSteps(api, room, steps)

  const start = (choice: IdentityChoice) => {
    if (stopped) {
      choice.abandon()
      return
    }
    identity = choice.claim
    clientId = choice.clientId
    const own = choice.outbox
    const last = latestHlc(own?.hlc, restored?.hlc)
    clock = createHlc(clientId, last === undefined ? {} : { last })
    // Under DevTools showing a past state, getState is the shown state: the store shows B + P on the live one.
    const state = liveBeforeStart ?? api.getState()
    const earlyLocal = early.takeLocal()
    // A page rendered from the room at a later sequence than anything persisted starts there.
    const fromRender = renderedStart(options.rendered, preloaded, restored?.lastSeq)
    if (restored || own) {
      counter = own?.counter ?? 0
      // Ids above the restored counter are made by this process: renumbered after the join ack.
      firstOwn = counter + 1
      model = createConfirmedModel(paths, {
        lastSeq: fromRender?.lastSeq ?? restored?.lastSeq ?? 0,
        base: fromRender?.base ?? restored?.base ?? {},
        pending: own?.pending ?? [],
      })
    } else if (fromRender) {
      // The room exists (the render read it): nothing to seed, only later changes to fetch.
      model = createConfirmedModel(paths, { ...fromRender, pending: [] })
    } else {
      model = createConfirmedModel(paths, { lastSeq: 0, base: {}, pending: [] })
      const seed = readOnly ? undefined : makeSeed(nextId(), clientId, early.genesis)
      if (seed) model.addLocal(seed)
    }
    // Changes of a gone identity this tab cannot write under: made again under its own ids.
    const copies = new Map<string, string>()
    const made: string[] = []
    if (!readOnly) {
      const again = [...choice.reissue, ...earlyLocal.map((ops) => ({ id: undefined, ops }))]
      for (const { id, ops } of again) {
        const change: PendingChange = { id: nextId(), ts: formatHlc(clock.now()), ops }
        if (id !== undefined) copies.set(id, change.id)
        guard.created(change, id === undefined ? 'early' : 'reissued')
        model.addLocal(change)
        made.push(change.id)
      }
    }
    // Make the store show B + P: what sync kept (and persist may have restored too).
    show([{ ops: diffPaths(state, model.shown, paths) }])
    const m = model
    pendingStatus = createPendingStatus(m)
    status.set({ lastSeq: m.lastSeq, ...pendingStatus() })
    guard.started(m)
    guard.queued(made)
    unlisten.push(hub.onDurableChanged(saveOutbox))
    hub.durableChanged()
    const c = clock
    const route = createOutcomeRouter({
      api,
      hub,
      options,
      clientId,
      model: m,
      status,
      pendingStatus,
      guard,
      copies: reissuedCopies(copies),
      saw: (change) => {
        // Another process under this client id wrote it: new ids go above it.
        counter = Math.max(counter, ownCounter(change.id, clientId))
        try {
          c.receive(change.ts)
        } catch {
          // A timestamp the clock cannot read leaves the clock as it was.
        }
      },
      joined: () => presence.joined(),
    })
    const settings = {
      room,
      clientId,
      schemaVersion: options.schemaVersion,
      readOnly,
      batchMs: options.batchMs,
    }
    const ids = {
      continueAfter: (held: number) => {
        // Only the first join renames: later ids may have been pushed. New ids
        // stay above what the relay holds (another process may write under this id).
        if (continued) {
          counter = Math.max(counter, held)
          return []
        }
        continued = true
        const next = continueIds(m.pending, clientId, firstOwn, counter, held)
        counter = next.counter
        return next.renames
      },
      renumber: (change: PendingChange) => {
        // Why not just roll back: the change was never applied (the relay holds
        // another change under its id), so a new id loses nothing and applies it
        // once; a process restarted while its old one still runs, or a kiosk
        // opened twice, keeps every write of both. Its timestamp stays: it is
        // the time of the write, and the relay judges staleness by it.
        for (const old of renumbers.keys()) if (!m.has(old)) renumbers.delete(old)
        const times = (renumbers.get(change.id) ?? 0) + 1
        if (times > MAX_RENUMBERS) return undefined
        renumbers.delete(change.id)
        const to = nextId()
        renumbers.set(to, times)
        return to
      },
    }
    session = createRelaySession(deps.socket, settings, m, ids, route)
  }

  const reportStorage = (error: unknown, key: string) =>
    status.set({
      lastError: `outbox "${key}": ${messageOf(error)}`,
    })

  const chooseOwnIdentity = () => {
    const where = hub.storage()
    if (where && !readOnly) outboxes = createOutboxStore(where, room, locks, reportStorage)
    return chooseIdentity({
      room,
      locks,
      restored,
      outboxes,
      fixedId: options.clientId,
      // A shared connection joins the relay as the tab group: only tab ids can write through it.
      usable: (id) => !options.shareConnection || isTabClientId(id),
      newId: deps.randomId,
    })
  }

  hub.addStart(hub.whenHydrated().then(chooseOwnIdentity).then(start))

  return {
    externalChange(prev, next) {
      if (model) return
      liveBeforeStart = next
      early.external(prev, next)
    },
    localChange(prev, next) {
      if (!model) liveBeforeStart = next
      if (!model && early.local(prev, next)) guard.buffered()
      if (!model || !clock || readOnly || stopped) return
      const ops = diffPaths(prev, next, paths, true)
      if (ops.length === 0) return
      const change: PendingChange = { id: nextId(), ts: formatHlc(clock.now()), ops }
      guard.created(change)
      model.addLocal(change)
      // A pessimistic write is pushed but not shown: undo it in the store until the relay accepts it.
      if (change.hidden) show([{ ops: diffPaths(next, model.shown, paths) }])
      if (pendingStatus) status.set(pendingStatus())
      hub.durableChanged()
      session?.localChanged()
      guard.queued([change.id])
    },
    begin: (action) => guard.begin(action),
    setPresence(value) {
      presence.set(value)
    },
    stop() {
      saveOutbox()
      stopped = true
      presence.stop()
      session?.stop()
      status.stop()
      for (const off of unlisten.splice(0)) off()
      // The identity goes only once its outbox is written: a tab taking it over reads it.
      const claim = identity
      void (outboxes?.saved() ?? Promise.resolve()).then(() => claim?.release())
      guard.stop()
    },
  }
}
