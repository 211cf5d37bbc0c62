import { canonicalJson, changeContent } from '../../src/changeContent'
import type { RelayChange, WireChange } from '../../src/protocol'

/**
 * What a relay change under a pending change's id says about that change:
 *
 * - `'same'`: the same timestamp and ops, so it is this change as the relay applied it;
 * - `'trimmed'`: the same timestamp and some of its ops, in order: this change
 *   with ops the relay dropped as stale, or, rarely, another process's change
 *   made at the same instant; only the answer to its push tells which;
 * - `'other'`: other content: another process writing under the same client
 *   id made it, and this change is not in the room.
 *
 * @example
 * ```ts
 * relayCopy(pendingChange, relayChange) // 'same'
 * ```
 */
export function relayCopy(pending: WireChange, relay: RelayChange): 'same' | 'trimmed' | 'other' {
  if (pending.ts !== relay.ts) return 'other'
  // The relay hands back the ops it applied, most often those pushed in the same key
  // order: one native encode of each side then decides, and the canonical (sorted) text
  // is only built when they differ.
  if (JSON.stringify(pending.ops) === JSON.stringify(relay.ops)) return 'same'
  if (changeContent(pending) === changeContent(relay)) return 'same'
  const ops = pending.ops.map(canonicalJson)
  let at = 0
  for (const op of relay.ops) {
    const text = canonicalJson(op)
    while (at < ops.length && ops[at] !== text) at++
    if (at === ops.length) return 'other'
    at++
  }
  return relay.ops.length > 0 ? 'trimmed' : 'other'
}
