import { PatchwireError } from '../../src/errors'
import type { AppendResult, RelayStore, StoredChange } from '../store/types'
import type { RelayObservers } from './observer'

/**
 * With room ownership: the fencing token this node's appends to a room carry
 * (`undefined` when it does not own the room), and whom to tell that the
 * store refused it.
 */
export interface RoomLease {
  token(): number | undefined
  lost(token: number): void
}

/** What a room's appends need. */
export interface AppenderDeps {
  store: RelayStore
  observe: Pick<RelayObservers, 'fenced'>
  lease?: RoomLease
  /** Runs a store call, reporting its latency. */
  timed: <T>(call: () => Promise<T>) => Promise<T>
}

/**
 * Builds a room's `persist`: appends `stored` (sequences `base + 1…`) in
 * order, in one group commit when the store has `appendMany`, counting in
 * `progress.done` what the store committed (also when a later append
 * throws). With ownership every append carries the lease's fencing token; a
 * node without one, or whose token the store refuses, throws a retryable
 * `unavailable` error and tells the lease it is lost.
 */
export function createAppender(
  room: string,
  deps: AppenderDeps,
): (base: number, stored: StoredChange[], progress: { done: number }) => Promise<void> {
  const { store } = deps

  const notOwner = (): PatchwireError<'transport'> =>
    new PatchwireError(
      'transport',
      `This relay node does not own room "${room}" (any more); the push goes to its owner.`,
      { reason: 'unavailable' },
    )

  const fenceToken = (): number | undefined => {
    if (!deps.lease) return undefined
    const token = deps.lease.token()
    if (token === undefined) throw notOwner()
    return token
  }

  /** Reads one append's outcome: a fenced refusal tells the lease and throws. */
  const appended = (result: AppendResult, token: number | undefined, count: number): boolean => {
    if (result.ok) return true
    if (result.fenced && token !== undefined) {
      deps.observe.fenced(room, count)
      deps.lease?.lost(token)
      throw notOwner()
    }
    return false
  }

  return async (base, stored, progress) => {
    if (stored.length === 0) return
    const token = fenceToken()
    if (store.appendMany) {
      const appendMany = store.appendMany.bind(store)
      const result = await deps.timed(() => appendMany(room, base, stored, token))
      if (appended(result, token, stored.length)) progress.done = stored.length
      return
    }
    for (const [i, c] of stored.entries()) {
      const result = await deps.timed(() => store.append(room, base + i, c, token))
      if (!appended(result, token, stored.length - i)) return
      progress.done++
    }
  }
}
