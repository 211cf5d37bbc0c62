import type { RenderedRoom } from './types'

/** The confirmed state `B` at a sequence: where the confirmed model starts. */
export interface ConfirmedStart {
  lastSeq: number
  base: Record<string, unknown>
}

/**
 * Where a client whose page was rendered from `rendered` starts, or
 * `undefined` when it starts as without it: no render, an empty room
 * (`seq` 0: the client seeds it as usual), or a persisted copy of the room
 * at the same or a later sequence (`restoredSeq`), which is at least as new
 * and already consistent with the persisted outbox.
 *
 * `preloaded` is the synced part of the store's state when it was created,
 * the room state a render embeds as preloaded state; it stands in for an
 * absent `rendered.state` so the page need not carry the room twice.
 *
 * @example
 * ```ts
 * renderedStart({ seq: 7 }, { todos: ['a'] }, 3) // { lastSeq: 7, base: { todos: ['a'] } }
 * renderedStart({ seq: 7 }, { todos: ['a'] }, 9) // undefined: the persisted copy is newer
 * ```
 */
export function renderedStart(
  rendered: RenderedRoom | undefined,
  preloaded: Record<string, unknown>,
  restoredSeq: number | undefined,
): ConfirmedStart | undefined {
  if (!rendered || rendered.seq === 0) return undefined
  if (restoredSeq !== undefined && restoredSeq >= rendered.seq) return undefined
  return { lastSeq: rendered.seq, base: rendered.state ?? preloaded }
}
