import type { Dispatch, Middleware, MiddlewareAPI } from '@reduxjs/toolkit'
import { historyChanged } from '../../slices/statusActions'
import { applyPatch } from '../../src/actions'
import { applyOps } from '../../src/applyOps'
import { type HistoryResult, redo, undo } from '../../src/historyActions'
import type { Change, ChangeSource } from '../../src/types'
import { liveTransition, readSinkOutcome } from '../../src/withPatchwire'
import { getStoreHub } from '../storeHub'
import { parseDurableHistory } from './durableHistory'
import { invertStep } from './invertStep'
import { resolveHistoryOptions } from './options'
import { createOtherWrites } from './otherWrites'
import { recordedOps } from './ownOps'
import { covers } from './paths'
import { addToStep, changedPaths } from './recordStep'
import type { HistoryStep, UndoHistory, UndoHistoryOptions } from './types'

const OWN_SOURCES: ReadonlySet<ChangeSource> = new Set(['local', 'devtools'])

/**
 * Undo and redo of this client's own changes, safe under sync: `undo()`
 * restores what the client's last step changed, computed against the
 * current state, and leaves every path that someone else (a peer through the
 * relay, a stream) wrote since; `redo()` takes an undo back the same way. The
 * inverse is dispatched as an `applyPatch` with source `'local'` and
 * `meta.history: 'undo' | 'redo'`, so sync pushes it (or queues it offline),
 * persist saves it and DevTools shows it. Own changes less than `groupMs`
 * apart form one step; a new own change clears the redo stack; both stacks
 * hold at most `limit` steps and, with persist, survive a reload.
 *
 * @example
 * ```ts
 * const history = undoHistory({ keys: ['todos'], groupMs: 500, limit: 100 })
 * const store = configureStore({
 *   reducer: withPatchwire({ todos: todos.reducer }),
 *   middleware: (gDM) => gDM().concat(patchwireMiddleware(), team.middleware, history.middleware),
 * })
 * store.dispatch(undo())
 * ```
 */
export function undoHistory(options: UndoHistoryOptions = {}): UndoHistory {
  const opts = resolveHistoryOptions(options)
  let undoStack: HistoryStep[] = []
  let redoStack: HistoryStep[] = []
  const others = createOtherWrites()
  let tick = 0
  let skippedTotal = 0
  // The undo stack's top step takes further own changes until this closes it.
  let openAt: number | undefined
  let attached: { changed(): void } | undefined

  const push = (stack: HistoryStep[], step: HistoryStep) => {
    stack.push(step)
    if (stack.length > opts.limit) stack.splice(0, stack.length - opts.limit)
  }

  const middleware: Middleware = (api) => {
    const store = api as MiddlewareAPI<Dispatch>
    const hub = getStoreHub(api)
    let live: unknown = api.getState()
    let reported = ''
    const report = () => {
      const status = {
        canUndo: undoStack.length > 0,
        canRedo: redoStack.length > 0,
        skipped: skippedTotal,
      }
      const key = JSON.stringify(status)
      if (key === reported) return
      reported = key
      store.dispatch(historyChanged(status))
    }
    const changed = () => {
      hub.durableChanged()
      report()
    }
    attached = { changed }

    hub.addDurable('history', {
      read: () => {
        let oldest = tick
        for (const s of [...undoStack, ...redoStack])
          for (const e of s.entries) oldest = Math.min(oldest, e.tick)
        return { v: 1, tick, undo: undoStack, redo: redoStack, others: others.since(oldest) }
      },
      restore: (value) => {
        const stored = parseDurableHistory(value)
        if (!stored) return
        tick = Math.max(tick, stored.tick)
        undoStack = stored.undo.slice(-opts.limit)
        redoStack = stored.redo.slice(-opts.limit)
        for (const [path, t] of stored.others) others.record(path, t)
        openAt = undefined
        queueMicrotask(report)
      },
    })

    const own = (from: unknown, to: unknown) => {
      const ops = recordedOps(from, to, opts)
      if (ops.length === 0) return
      tick++
      const at = opts.now()
      const top = undoStack[undoStack.length - 1]
      if (top && openAt !== undefined && at - openAt < opts.groupMs) {
        top.entries = addToStep(top.entries, from, to, ops, tick)
        top.at = at
      } else {
        push(undoStack, { entries: addToStep([], from, to, ops, tick), at })
      }
      openAt = at
      redoStack = []
      changed()
    }

    const external = (from: unknown, to: unknown) => {
      // Only steps on a stack compare with others' writes: with none, there is nothing to keep.
      if (undoStack.length === 0 && redoStack.length === 0) {
        others.clear()
        return
      }
      const ops = recordedOps(from, to, opts)
      if (ops.length === 0) return
      tick++
      const paths = changedPaths(from, to, ops)
      for (const path of paths) others.record(path, tick)
      const top = undoStack[undoStack.length - 1]
      // A peer's write inside the open step ends it: a later own change there starts a new step.
      if (top && paths.some((p) => top.entries.some((e) => covers(p, e.path) || covers(e.path, p))))
        openAt = undefined
      hub.durableChanged()
    }

    const observe = (action: unknown, from: unknown, to: unknown) => {
      if (!applyPatch.match(action)) return own(from, to)
      if (action.meta?.history) return // the inverse of a step: run() books it
      // A hand-built action may hold anything: what the sink refused changed nothing.
      const changes: readonly Partial<Change>[] = Array.isArray(action.payload?.changes)
        ? action.payload.changes.map((c) => c ?? {})
        : []
      const kinds = changes.map((c) =>
        c.source === 'persist'
          ? 'restore'
          : c.source !== undefined && OWN_SOURCES.has(c.source)
            ? 'own'
            : 'external',
      )
      if (kinds.every((k) => k === kinds[0])) {
        if (kinds[0] === 'own') own(from, to)
        else if (kinds[0] === 'external') external(from, to)
        return
      }
      // A mixed batch: replay it change by change, as the sink applied it.
      const refused = new Set(readSinkOutcome(action)?.rejected.map((r) => r.index))
      let state = from
      changes.forEach((change, i) => {
        if (refused.has(i)) return
        let after: unknown
        try {
          after = applyOps(state, change.ops ?? [])
        } catch {
          return
        }
        if (kinds[i] === 'own') own(state, after)
        else if (kinds[i] === 'external') external(state, after)
        state = after
      })
    }

    const run = (kind: 'undo' | 'redo'): HistoryResult => {
      const stack = kind === 'undo' ? undoStack : redoStack
      const step = stack[stack.length - 1]
      if (!step) return { done: false, applied: [], skipped: [] }
      tick++
      const inversion = invertStep(step, live, others, tick)
      if (inversion.ops.length > 0) {
        const before = live
        store.dispatch(
          applyPatch({ changes: [{ source: 'local', ops: inversion.ops }] }, { history: kind }),
        )
        // The sink refused it (the schema): the step stays where it was.
        if (live === before) return { done: false, applied: [], skipped: inversion.skipped }
      }
      stack.pop()
      if (inversion.counter.length > 0)
        push(kind === 'undo' ? redoStack : undoStack, {
          entries: inversion.counter,
          at: opts.now(),
        })
      openAt = undefined
      skippedTotal += inversion.skipped.length
      changed()
      return { done: true, applied: inversion.applied, skipped: inversion.skipped }
    }

    return (next) => (action) => {
      if (undo.match(action) || redo.match(action)) {
        next(action)
        return run(undo.match(action) ? 'undo' : 'redo')
      }
      const prev = api.getState()
      const result = next(action)
      const { from, to } = liveTransition(action, prev, api.getState())
      if (from !== to) {
        live = to
        observe(action, from, to)
      }
      return result
    }
  }

  return {
    middleware,
    clear() {
      undoStack = []
      redoStack = []
      others.clear()
      openAt = undefined
      attached?.changed()
    },
    depth: () => ({ undo: undoStack.length, redo: redoStack.length }),
  }
}
