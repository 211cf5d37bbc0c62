import type { Middleware, MiddlewareAPI } from '@reduxjs/toolkit'
import { applyPatch, patchRejected } from '../actions'
import { PatchwireError } from '../errors'
import type { Change, PatchOp } from '../types'
import { readSinkOutcome } from '../withPatchwire'
import type { TrafficEntry, TrafficLog, TrafficLogMiddleware, TrafficLogOptions } from './types'

// A store is identified by its getState function: Redux hands every middleware
// the store's own getState and configureStore returns the same one, so the
// panel (which only has the store from react-redux) finds the log without wiring.
const logs = new WeakMap<object, TrafficLog>()

/** The traffic log installed in this store, if `patchwireTrafficLog()` is one of its middlewares. */
export function getTrafficLog(store: Pick<MiddlewareAPI, 'getState'>): TrafficLog | undefined {
  return logs.get(store.getState)
}

// Changes made by this app travel outwards (to the relay, to storage); the rest arrived.
function directionOf(source: TrafficEntry['source']): TrafficEntry['direction'] {
  return source === 'local' || source === 'devtools' ? 'out' : 'in'
}

type PushedChange = { id?: unknown; ts?: unknown; ops?: unknown }

// A `push` event's payload as sync sends it (`{ room, changes }`); anything else is not ours to log.
function pushedEntries(args: unknown[], at: number): Omit<TrafficEntry, 'n'>[] {
  const payload = args[0] as { room?: unknown; changes?: unknown } | undefined
  if (!payload || !Array.isArray(payload.changes)) return []
  return (payload.changes as PushedChange[]).map((change) => {
    const entry: Omit<TrafficEntry, 'n'> = {
      direction: 'out',
      status: 'pushed',
      source: 'local',
      at,
      ops: Array.isArray(change?.ops) ? (change.ops as PatchOp[]) : [],
    }
    if (typeof change?.id === 'string') entry.id = change.id
    if (typeof change?.ts === 'string') entry.ts = change.ts
    if (typeof payload.room === 'string') entry.room = payload.room
    return entry
  })
}

function createRing(
  size: number,
  now: () => number,
): TrafficLog & { push(entry: Omit<TrafficEntry, 'n'>): void } {
  const ring: TrafficEntry[] = []
  const listeners = new Set<() => void>()
  let next = 0
  let head = 0
  // The ordered snapshot is built only when someone reads it after a change,
  // so a store whose panel is not mounted pays for the ring push alone.
  let snapshot: readonly TrafficEntry[] = []
  let dirty = false
  const push = (entry: Omit<TrafficEntry, 'n'>) => {
    const full = { ...entry, n: next++ } as TrafficEntry
    if (ring.length < size) ring.push(full)
    else {
      ring[head] = full
      head = (head + 1) % size
    }
    dirty = true
    for (const l of listeners) l()
  }
  return {
    push,
    entries() {
      if (dirty) {
        snapshot = [...ring.slice(head), ...ring.slice(0, head)]
        dirty = false
      }
      return snapshot
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    clear() {
      ring.length = 0
      head = 0
      dirty = true
      for (const l of listeners) l()
    },
    watchSocket(socket) {
      const listener = (event: string, ...args: unknown[]) => {
        if (event !== 'push') return
        for (const entry of pushedEntries(args, now())) push(entry)
      }
      socket.onAnyOutgoing(listener)
      return () => {
        socket.offAnyOutgoing(listener)
      }
    },
  }
}

/**
 * A middleware that records every change the store sees (each change of an
 * `applyPatch`, applied or refused, and every `patchRejected` from the relay
 * or a middleware) into a bounded ring kept outside Redux state, for
 * `<PatchwireDebugger />` and `useTrafficLog()`. It records real dispatches
 * only, so DevTools time travel adds nothing. Local edits reach the relay as
 * sync pushes, not as actions: pass the sync socket in `sockets` to list them.
 *
 * @example
 * ```ts
 * const store = configureStore({
 *   reducer,
 *   middleware: (gDM) => gDM().concat(patchwireMiddleware(), patchwireTrafficLog({ size: 200, sockets: [socket] })),
 * })
 * ```
 */
export function patchwireTrafficLog(options: TrafficLogOptions = {}): TrafficLogMiddleware {
  const size = options.size ?? 200
  if (!Number.isInteger(size) || size < 1) {
    throw new PatchwireError(
      'option',
      `patchwireTrafficLog: "size" must be a positive integer, received ${String(size)}.`,
      { option: 'size', received: String(size) },
    )
  }
  const now = options.now ?? Date.now
  const log = createRing(size, now)
  for (const socket of options.sockets ?? []) log.watchSocket(socket)
  const middleware: Middleware = (api) => {
    logs.set(api.getState, log)
    return (next) => (action) => {
      const result = next(action)
      if (applyPatch.match(action)) {
        const outcome = readSinkOutcome(action)
        const refused = new Map(outcome?.rejected.map((r) => [r.index, r]))
        const at = action.meta?.at ?? now()
        // A hand-built action may hold anything; its refusal is logged like any other.
        const changes: unknown = action.payload?.changes
        const listed: readonly Partial<Change>[] = Array.isArray(changes)
          ? changes.map((c: Partial<Change> | null) => c ?? {})
          : (outcome?.rejected.map((r) => r.change ?? {}) ?? [])
        listed.forEach((change, index) => {
          const rejection = refused.get(index)
          const source = change.source ?? 'local'
          const entry: Omit<TrafficEntry, 'n'> = {
            direction: directionOf(source),
            status: rejection ? 'rejected' : 'applied',
            source,
            at,
            ops: Array.isArray(change.ops) ? change.ops : [],
          }
          if (change.origin !== undefined) entry.origin = change.origin
          if (change.seq !== undefined) entry.seq = change.seq
          if (change.ts !== undefined) entry.ts = change.ts
          if (change.id !== undefined) entry.id = change.id
          if (change.room !== undefined) entry.room = change.room
          if (rejection) {
            entry.reason = rejection.reason
            entry.issues = rejection.issues
          }
          log.push(entry)
        })
      } else if (patchRejected.match(action) && action.payload.stage !== 'sink') {
        // Sink refusals were recorded with their applyPatch above.
        const { change, source, reason, issues } = action.payload
        const entry: Omit<TrafficEntry, 'n'> = {
          direction: directionOf(source),
          status: 'rejected',
          source,
          at: action.payload.at ?? now(),
          ops: Array.isArray(change?.ops) ? change.ops : [],
          reason,
          issues,
          stage: action.payload.stage,
        }
        if (change?.origin !== undefined) entry.origin = change.origin
        if (change?.seq !== undefined) entry.seq = change.seq
        if (change?.ts !== undefined) entry.ts = change.ts
        if (change?.id !== undefined) entry.id = change.id
        if (change?.room !== undefined) entry.room = change.room
        log.push(entry)
      }
      return result
    }
  }
  return Object.assign(middleware, { log })
}
