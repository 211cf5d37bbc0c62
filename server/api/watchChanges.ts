import type { RoomFeedDeps } from './roomFeed'
import { readAfter } from './roomFeed'
import type { RoomChangeListener } from './types'

/** Per room: the last sequence handed to the listener, and whether a read is running. */
interface Watched {
  last: number
  reading: boolean
  again: boolean
}

/**
 * Calls `listener` with every change accepted from now on, on any node, in
 * sequence order per room (`room` narrows it to one). Each note from the hub
 * makes the room's log be read after the last sequence handed out, so a note
 * lost between nodes is made up by the room's next one. Returns the unsubscribe.
 */
export function watchChanges(
  deps: RoomFeedDeps,
  listener: RoomChangeListener,
  room: string | undefined,
): () => void {
  const watched = new Map<string, Watched>()
  let stopped = false

  const pump = async (name: string, w: Watched): Promise<void> => {
    w.reading = true
    try {
      do {
        w.again = false
        for await (const item of readAfter(deps, name, w.last)) {
          if (stopped) return
          try {
            await listener(item)
          } catch (err) {
            deps.log({
              level: 'error',
              msg: 'onChange listener failed',
              room: name,
              error: String(err),
            })
          }
          w.last = item.seq
        }
      } while (w.again && !stopped)
    } catch (err) {
      deps.log({ level: 'warn', msg: 'change feed read failed', room: name, error: String(err) })
    } finally {
      w.reading = false
    }
  }

  const unsubscribe = deps.hub.subscribe((note) => {
    if (room !== undefined && note.room !== room) return
    let w = watched.get(note.room)
    if (!w) {
      w = { last: note.seq - 1, reading: false, again: false }
      watched.set(note.room, w)
    }
    if (note.seq <= w.last) return
    if (w.reading) w.again = true
    else void pump(note.room, w)
  })
  return () => {
    stopped = true
    unsubscribe()
  }
}
