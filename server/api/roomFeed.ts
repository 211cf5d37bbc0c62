import type { RelayLogEntry } from '../relay/types'
import type { RelayStore } from '../store/types'
import type { ChangeHub } from './createChangeHub'
import type { RoomFeedItem, RoomState } from './types'

/** What a room feed reads from. */
export interface RoomFeedDeps {
  store: Pick<RelayStore, 'since' | 'head'>
  /** The room's state now (through the room's queue, like a join). */
  read: (room: string) => Promise<RoomState>
  hub: ChangeHub
  log: (entry: RelayLogEntry) => void
}

const PAGE = 500

/**
 * Reads `room`'s items after `after` from the store, in order, until the log
 * has nothing more. A log compacted past `after` yields the room's state
 * instead, from which the feed goes on.
 */
export async function* readAfter(
  deps: RoomFeedDeps,
  room: string,
  after: number,
): AsyncGenerator<RoomFeedItem, void, undefined> {
  let last = after
  for (;;) {
    const page = await deps.store.since(room, last, PAGE)
    if (page === null) {
      const now = await deps.read(room)
      if (now.seq <= last) return
      yield { type: 'snapshot', room, seq: now.seq, state: now.state }
      last = now.seq
      continue
    }
    for (const c of page) {
      yield { type: 'change', room, seq: c.seq, id: c.id, origin: c.origin, ts: c.ts, ops: c.ops }
      last = c.seq
    }
    if (page.length < PAGE) return
  }
}

/**
 * A room's change feed: the store's log after `since`, then every change as
 * it is accepted, on this node or another. The log is the source of truth
 * (so nothing is skipped or reordered, and a consumer that saves the last
 * `seq` it handled resumes exactly there); hub notes and a poll only say
 * when to read it again. A store error is logged and retried at the poll pace.
 * Ends when `signal` aborts (the relay aborts it when it closes).
 */
export async function* roomFeed(
  deps: RoomFeedDeps,
  options: { room: string; since?: number; pollMs: number; signal?: AbortSignal },
): AsyncGenerator<RoomFeedItem, void, undefined> {
  const { room, pollMs, signal } = options
  let woken = false
  let wake: (() => void) | undefined
  const unsubscribe = deps.hub.subscribe((note) => {
    if (note.room !== room) return
    woken = true
    wake?.()
  })
  const onAbort = () => wake?.()
  signal?.addEventListener('abort', onAbort)
  const pause = (): Promise<void> =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, pollMs)
      wake = () => {
        clearTimeout(timer)
        resolve()
      }
    }).finally(() => {
      wake = undefined
    })
  try {
    let last = options.since
    while (!signal?.aborted) {
      woken = false
      try {
        last ??= await deps.store.head(room)
        for await (const item of readAfter(deps, room, last as number)) {
          yield item
          last = item.seq
          if (signal?.aborted) return
        }
      } catch (err) {
        // A read cut short by the relay closing is no failure worth a log line.
        if (!signal?.aborted) {
          deps.log({ level: 'warn', msg: 'change feed read failed', room, error: String(err) })
        }
      }
      if (!woken && !signal?.aborted) await pause()
    }
  } finally {
    unsubscribe()
    signal?.removeEventListener('abort', onAbort)
  }
}
