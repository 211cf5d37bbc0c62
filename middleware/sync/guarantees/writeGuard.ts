import type { Dispatch, MiddlewareAPI } from '@reduxjs/toolkit'
import type { SyncStatus } from '../../../slices/patchwireSlice'
import { applyPatch, patchRejected } from '../../../src/actions'
import { PatchwireError } from '../../../src/errors'
import type { RejectReason } from '../../../src/protocol'
import type { PatchIssue } from '../../../src/types'
import type { StoreHub } from '../../storeHub'
import type { ConfirmedModel, PendingChange } from '../confirmedModel'
import type { ResolvedSyncOptions } from '../options'
import {
  type Capture,
  type CaptureFrame,
  captureStack,
  createCapture,
  refusalError,
} from './captures'
import { readConfirmed } from './confirmed'

/**
 * What the sync middleware and its relay controller tell the write guard. It
 * observes: every call reports what already happened (or, for `created`, what
 * is about to), and nothing depends on when the calls come.
 */
export interface WriteGuard {
  /** Before the action runs: returns the function that turns its result into a promise, for a confirmed action. */
  begin(action: unknown): (() => Promise<unknown>) | undefined
  /** A local change was buffered before the start: the confirmed writes running now made it. */
  buffered(): void
  /**
   * A local change is about to enter the pending queue; may mark it `hidden`.
   * At the start, `made` says where it comes from: the next `buffered` change
   * (`'early'`), or a gone identity's change made again (`'reissued'`, no
   * confirmed write of this tab made it).
   */
  created(change: PendingChange, made?: 'early' | 'reissued'): void
  /** The changes given to `created` are in the pending queue now. */
  queued(ids: readonly string[]): void
  /**
   * The room's model exists, holding what was restored and the early
   * changes made at the start: its restored changes are tracked, and the
   * confirmed writes made before the start can make no more changes.
   */
  started(model: ConfirmedModel): void
  /** The relay accepted this id at `seq`: its change is in the confirmed base. */
  accepted(id: string, seq: number): void
  /** A pending change took a new id before it was pushed. */
  renamed(from: string, to: string): void
  /** The relay refused a change (after its rollback). */
  refused(id: string, reason: RejectReason, issues: readonly PatchIssue[]): void
  /** The room's connection changed. */
  connection(state: SyncStatus['connection']): void
  stop(): void
}

interface Tracked {
  change: PendingChange
  /** The timeout (connected ms); undefined: no limit. */
  limit: number | undefined
  /** Connected ms left before the timeout. */
  left: number | undefined
  armedAt: number
  timer: ReturnType<typeof setTimeout> | undefined
  expiry: ReturnType<typeof setTimeout> | undefined
  captures: Capture[]
  rejectOffline: boolean
}

interface WriteGuardDeps {
  api: MiddlewareAPI<Dispatch>
  hub: StoreHub
  options: ResolvedSyncOptions
  /** Reports the pending count (and paths) after a rollback made here. */
  pendingChanged: () => void
}

const wallOf = (ts: string): number => Number(ts.slice(0, 15))

/**
 * Confirmed writes and pending timeouts for one room, on top of the
 * confirmed-base + pending model: a change that times out (or expires
 * offline) is dropped from `P` and the store re-derives `B + P`, so a newer
 * relay write on the same path is never overwritten by the rollback.
 *
 * @example
 * ```ts
 * const guard = createWriteGuard({ api, hub, options, pendingChanged })
 * guard.started(createConfirmedModel(paths, state))
 * ```
 */
export function createWriteGuard(deps: WriteGuardDeps): WriteGuard {
  const { api, hub, options } = deps
  const room = options.room
  // Timers run on the real clock (timestamps carry real wall time); `now` only dates reports.
  const now = options.now
  const stack = captureStack(api.getState)
  const tracked = new Map<string, Tracked>()
  // Confirmed dispatches made before sync started: they own the early changes made at start.
  let beforeStart: CaptureFrame[] = []
  /** Per change buffered before the start, in order: the confirmed frames open when it was made. */
  const earlyFrames: CaptureFrame[][] = []
  let inner: ConfirmedModel | undefined
  let live = false
  let stopped = false

  const disarm = (t: Tracked) => {
    if (t.timer === undefined) return
    clearTimeout(t.timer)
    t.timer = undefined
    if (t.left !== undefined) t.left = Math.max(0, t.left - (Date.now() - t.armedAt))
  }
  const arm = (t: Tracked) => {
    if (stopped || t.left === undefined || t.timer !== undefined) return
    t.armedAt = Date.now()
    t.timer = setTimeout(() => {
      t.timer = undefined
      rollback(t.change.id, 'timeout')
    }, t.left)
  }
  const armExpiry = (t: Tracked) => {
    const ms = options.offlineExpiryMs
    if (stopped || ms === undefined || t.expiry !== undefined) return
    t.expiry = setTimeout(
      () => {
        t.expiry = undefined
        rollback(t.change.id, 'offline')
      },
      Math.max(0, wallOf(t.change.ts) + ms - Date.now()),
    )
  }
  const clearExpiry = (t: Tracked) => {
    if (t.expiry !== undefined) clearTimeout(t.expiry)
    t.expiry = undefined
  }

  const track = (change: PendingChange, captures: Capture[], timeoutMs: number | undefined) => {
    const limits = [timeoutMs, options.pendingTimeoutMs].filter((v) => v !== undefined)
    const limit = limits.length > 0 ? Math.min(...limits) : undefined
    const t: Tracked = {
      change,
      limit,
      left: limit,
      armedAt: 0,
      timer: undefined,
      expiry: undefined,
      captures,
      rejectOffline: false,
    }
    for (const c of captures) c.add(room, change.id)
    tracked.set(change.id, t)
    if (live) arm(t)
    else armExpiry(t)
    return t
  }

  const settle = (id: string): Tracked | undefined => {
    const t = tracked.get(id)
    if (!t) return undefined
    tracked.delete(id)
    disarm(t)
    clearExpiry(t)
    return t
  }

  const accept = (id: string, seq: number) => {
    for (const c of settle(id)?.captures ?? []) c.accept(room, id, seq)
  }

  const rollback = (id: string, reason: 'timeout' | 'offline') => {
    const t = settle(id)
    if (!t || !inner) return
    const step = inner.drop(id)
    if (!step) return
    if (step.ops.length > 0) {
      api.dispatch(
        applyPatch({ changes: [{ source: 'sync', room, ops: step.ops }] }, { RTK_autoBatch: true }),
      )
    }
    const ms = t.limit ?? 0
    const message =
      reason === 'timeout'
        ? `The relay did not acknowledge change ${id} in time; it was rolled back.`
        : `Change ${id} could not reach the relay; it was rolled back.`
    const { id: changeId, ts, ops } = t.change
    const payload = {
      change: {
        id: changeId,
        ts,
        ops,
        source: 'local' as const,
        origin: id.slice(0, id.lastIndexOf(':')),
        room,
      },
      source: 'local' as const,
      reason,
      issues: [{ message }],
      stage: 'client' as const,
      at: now(),
    }
    api.dispatch(patchRejected(payload))
    options.onPatchRejected?.(payload)
    deps.pendingChanged()
    hub.durableChanged()
    const error =
      reason === 'timeout'
        ? new PatchwireError('timeout', message, { ms })
        : new PatchwireError('offline', message, {})
    for (const c of t.captures) c.fail(error)
  }

  const connection = (connection: SyncStatus['connection']) => {
    const isLive = connection === 'live'
    if (isLive !== live) {
      live = isLive
      for (const t of tracked.values()) {
        if (live) {
          clearExpiry(t)
          arm(t)
        } else {
          disarm(t)
          armExpiry(t)
        }
      }
    }
    // 'connecting' (a re-join on a live socket) is not a lost connection.
    if (connection === 'offline') {
      for (const t of [...tracked.values()]) if (t.rejectOffline) rollback(t.change.id, 'offline')
    }
  }

  return {
    connection,
    accepted: accept,
    begin(action) {
      const opts = readConfirmed(action)
      // Inner sync middlewares of the store see the same options (maybe on a copy of the action).
      if (!opts || stack.byAction.has(opts)) return undefined
      stack.byAction.add(opts)
      const frame: CaptureFrame = {
        capture: createCapture(),
        rejectOffline: opts.whenOffline === 'reject',
        timeoutMs: opts.timeoutMs,
        hidden: !opts.optimistic,
      }
      stack.active.push(frame)
      // Dispatch is synchronous: a frame still open a microtask later belongs to
      // a dispatch that threw (a reducer error) and must not catch later changes.
      queueMicrotask(() => {
        const at = stack.active.indexOf(frame)
        if (at < 0) return
        stack.active.splice(at, 1)
        stack.byAction.delete(opts)
        frame.capture.close()
      })
      return () => {
        const at = stack.active.indexOf(frame)
        if (at >= 0) stack.active.splice(at, 1)
        stack.byAction.delete(opts)
        // Sync has not started (persist is loading): the early changes are made at start.
        if (!inner && !stopped) beforeStart.push(frame)
        else frame.capture.close()
        return frame.capture.promise
      }
    },
    started(model) {
      inner = model
      for (const p of model.pending) if (!p.seed && !tracked.has(p.id)) track(p, [], undefined)
      for (const s of beforeStart) s.capture.close()
      beforeStart = []
    },
    renamed(from, to) {
      const t = tracked.get(from)
      if (!t) return
      tracked.delete(from)
      const next = inner?.pending.find((p) => p.id === to)
      if (next) t.change = next
      tracked.set(to, t)
      for (const c of t.captures) c.rename(room, from, to)
    },
    buffered() {
      earlyFrames.push([...stack.active])
    },
    created(change, made) {
      // Each early change belongs to the writes that made it, not to every write before the start.
      const frames =
        made === 'early' ? (earlyFrames.shift() ?? []) : made === 'reissued' ? [] : stack.active
      if (frames.length === 0) {
        track(change, [], undefined)
        return
      }
      if (frames.some((f) => f.hidden)) change.hidden = true
      const timeouts = frames.map((f) => f.timeoutMs).filter((v) => v !== undefined)
      const captures = frames.map((f) => f.capture)
      const t = track(change, captures, timeouts.length > 0 ? Math.min(...timeouts) : undefined)
      t.rejectOffline = frames.some((f) => f.rejectOffline)
    },
    queued(ids) {
      if (live) return
      for (const id of ids) {
        if (!tracked.get(id)?.rejectOffline) continue
        // Once the dispatch that made it has returned: one action may make
        // several changes (a mixed batch), each diffed from the state before it.
        queueMicrotask(() => rollback(id, 'offline'))
      }
    },
    refused(id, reason, issues) {
      const t = settle(id)
      if (!t) return
      const error = refusalError(room, id, reason, issues)
      for (const c of t.captures) c.fail(error)
    },
    stop() {
      stopped = true
      const error = new PatchwireError('offline', `sync for room "${room}" stopped.`, {})
      for (const id of [...tracked.keys()]) {
        for (const c of settle(id)?.captures ?? []) c.fail(error)
      }
      for (const s of beforeStart) s.capture.fail(error)
      beforeStart = []
    },
  }
}
