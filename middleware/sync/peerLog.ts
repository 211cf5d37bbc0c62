import { applyOps } from '../../src/applyOps'
import type { PeerChange } from './types'

/** The replicated state of peer mode: every change ever seen, folded in timestamp order. */
export interface PeerLog {
  /** The synced state: the start state with every known change applied in timestamp order. */
  readonly state: Record<string, unknown>
  /** Adds a change; `false` when it was already known (a duplicate delivery). */
  insert(change: PeerChange): boolean
}

/** Changes kept unfolded, so one arriving late (up to this many behind) still lands in order. */
export const PEER_WINDOW = 1000

function applyAtomically(
  state: Record<string, unknown>,
  change: PeerChange,
): Record<string, unknown> {
  try {
    return applyOps(state, change.ops)
  } catch {
    // Deterministic on every peer: a change that does not fit the state at its
    // place in timestamp order is skipped everywhere.
    return state
  }
}

/**
 * Last-writer-wins without a relay: the state is the start state with every
 * change applied in hybrid-logical-clock order, whatever order they arrived
 * in. A change that arrives after a newer one makes the log replay from its
 * last checkpoint, so every peer that saw the same changes holds the same
 * state. For object paths this is last-writer-wins per path (the newest write
 * to a path or its ancestor wins); in arrays every append is kept, ordered by
 * timestamp, and index ops apply to the array as it was at their timestamp.
 *
 * @example
 * ```ts
 * const log = createPeerLog({ todos: { items: [] } })
 * log.insert({ id: 'a:1', ts, origin: 'a', ops })
 * ```
 */
export function createPeerLog(start: Record<string, unknown>, window = PEER_WINDOW): PeerLog {
  let checkpoint = start
  let checkpointTs = ''
  let tail: PeerChange[] = []
  const known = new Set<string>()
  let state = start

  const compact = () => {
    if (tail.length <= window * 2) return
    const folded = tail.slice(0, window)
    tail = tail.slice(window)
    for (const change of folded) {
      checkpoint = applyAtomically(checkpoint, change)
      checkpointTs = change.ts
    }
    // Folded ids are remembered a while longer, so a late duplicate is still recognised.
    for (const id of known) {
      if (known.size <= window * 20) break
      known.delete(id)
    }
  }

  return {
    get state() {
      return state
    },
    insert(change) {
      if (known.has(change.id)) return false
      if (change.ts <= checkpointTs) {
        // Older than the whole window: applied where it lands, the best a bounded log can do.
        known.add(change.id)
        checkpoint = applyAtomically(checkpoint, change)
        state = tail.reduce(applyAtomically, checkpoint)
        return true
      }
      known.add(change.id)
      const last = tail[tail.length - 1]
      if (!last || last.ts < change.ts) {
        tail.push(change)
        state = applyAtomically(state, change)
      } else {
        let at = tail.length
        while (at > 0 && tail[at - 1]!.ts > change.ts) at--
        tail.splice(at, 0, change)
        state = tail.reduce(applyAtomically, checkpoint)
      }
      compact()
      return true
    },
  }
}
