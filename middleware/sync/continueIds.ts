import type { PendingChange } from './confirmedModel'

/** The new ids of `continueAfter`: renames to apply, and the counter to continue from. */
export interface ContinuedIds {
  renames: { change: PendingChange; to: string }[]
  counter: number
}

/**
 * Where this process's change ids continue once the relay told the greatest
 * counter `held` it holds for `clientId`.
 *
 * A client started again under a fixed client id without its counter (no
 * persist) counts from 0 again, and its early ids (the seed, edits made
 * before the join) would name changes the relay already holds with other
 * content. Those ids were never pushed (nothing is pushed before the join
 * ack), so renumbering them after `held`, in order, is sound: no one has
 * seen them. Changes restored from storage keep their ids: an earlier
 * process may have pushed them, and the relay's digest check tells a
 * re-send from a collision (`id_conflict`). A per-session epoch in the id
 * would avoid the round trip but not collisions with ids from a session
 * whose epoch repeats (a clock set back); the relay's counter is the truth.
 *
 * @example
 * ```ts
 * continueIds(model.pending, 'kiosk1', 1, 3, 6) // kiosk1:1…3 become kiosk1:7…9, counter 9
 * ```
 */
export function continueIds(
  pending: readonly PendingChange[],
  clientId: string,
  firstOwn: number,
  counter: number,
  held: number,
): ContinuedIds {
  if (firstOwn > held) return { renames: [], counter: Math.max(counter, held) }
  const own = pending.filter((p) => ownCounter(p.id, clientId) >= firstOwn)
  // Above every id made so far as well, so a new id never names another pending change.
  let next = Math.max(counter, held)
  const renames = own.map((change) => ({ change, to: `${clientId}:${++next}` }))
  return { renames, counter: next }
}

/** The counter of `id` when it is an id of `clientId` (`<clientId>:<counter>`), else -1. */
export function ownCounter(id: string, clientId: string): number {
  if (!id.startsWith(`${clientId}:`)) return -1
  const n = Number(id.slice(clientId.length + 1))
  return Number.isSafeInteger(n) ? n : -1
}
