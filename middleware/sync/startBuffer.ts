import { applyOps } from '../../src/applyOps'
import type { PatchOp } from '../../src/types'
import { type AllowedPath, diffPaths, getAt, project } from './allowedPaths'

/** What happened to the synced paths before sync could start (persist still loading). */
export interface StartBuffer {
  /** A local change made before the start: kept to be pushed as a change of its own (true when it changed a synced path). */
  local(prev: unknown, next: unknown): boolean
  /** A restore or stream write before the start: it becomes part of the start state. */
  external(prev: unknown, next: unknown): void
  /** The synced paths as they were without the early local changes. */
  readonly genesis: Record<string, unknown>
  /** The early local changes, in order (each one the ops of one dispatch). */
  takeLocal(): PatchOp[][]
  /**
   * The state as the early dispatches left it, or `undefined` before the
   * first one: what the start diffs the store against. Under Redux DevTools
   * it is neither the shown state (a past one, after a jump) nor the live
   * state DevTools recomputed with an action skipped, which would make the
   * start add the skipped write a second time once the action is turned on.
   */
  readonly live: unknown
}

/**
 * Separates the start state from edits made before sync started. The room is
 * seeded with the start state (at the lowest priority, see `makeSeed`), so an
 * edit made in the first tick must not hide inside the seed: it is pushed as
 * an ordinary change, with a real timestamp, after it.
 *
 * @example
 * ```ts
 * const early = createStartBuffer(api.getState(), paths)
 * early.local(prev, next)
 * ```
 */
export function createStartBuffer(state: unknown, paths: readonly AllowedPath[]): StartBuffer {
  let genesis = project(state, paths)
  let local: PatchOp[][] = []
  let live: unknown
  /** The state the last early dispatch left. */
  let seen: unknown
  const follow = (prev: unknown, next: unknown) => {
    // A dispatch that starts from other synced values than the last one left
    // comes after DevTools re-ran its log (a skipped or re-enabled action):
    // only the dispatch's own edits count, carried over the state the real
    // dispatches made. Once carried, the two stay apart.
    const replayed = seen !== undefined && paths.some((p) => getAt(prev, p) !== getAt(seen, p))
    if (live === seen && !replayed) live = next
    else {
      try {
        live = applyOps(live, diffPaths(prev, next, paths, true))
      } catch {
        // An edit that does not apply there (its target was skipped): the recomputed state stands.
        live = next
      }
    }
    seen = next
  }
  return {
    local(prev, next) {
      follow(prev, next)
      const ops = diffPaths(prev, next, paths, true)
      if (ops.length > 0) local.push(ops)
      return ops.length > 0
    },
    external(prev, next) {
      follow(prev, next)
      if (local.length === 0) {
        genesis = project(next, paths)
        return
      }
      try {
        genesis = applyOps(genesis, diffPaths(prev, next, paths, true))
      } catch {
        // The restore wrote over an early edit's target: the edit is replayed on the result.
        genesis = project(next, paths)
      }
    },
    get genesis() {
      return genesis
    },
    get live() {
      return live
    },
    takeLocal() {
      const taken = local
      local = []
      return taken
    },
  }
}
