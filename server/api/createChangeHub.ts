import type { Server } from 'socket.io'

/** That a room accepted a change: enough to know where to read, not the change itself. */
export interface ChangeNote {
  room: string
  seq: number
  ts: string
}

/** Routes change notes from this node and, through the adapter, from the others. */
export interface ChangeHub {
  /** Tells local listeners and the other relay nodes that `room` accepted the change at `seq`. */
  accepted(note: ChangeNote): void
  /** Calls `listener` with every note, local or remote; returns the unsubscribe. */
  subscribe(listener: (note: ChangeNote) => void): () => void
}

/** Server-side event between relay nodes; never sent to clients. */
const NOTE_EVENT = 'patchwire:accepted'

function isNote(value: unknown): value is ChangeNote {
  const v = value as Partial<ChangeNote> | null
  return typeof v?.room === 'string' && Number.isSafeInteger(v.seq) && typeof v.ts === 'string'
}

/**
 * The in-memory adapter's `serverSideEmit` only warns that it has no other
 * nodes: it is the deepest definition in the adapter's class chain, and an
 * adapter that spans nodes (Redis) overrides it.
 */
function spansNodes(adapter: object): boolean {
  let base: unknown
  for (
    let p = Object.getPrototypeOf(adapter);
    p && p !== Object.prototype;
    p = Object.getPrototypeOf(p)
  ) {
    if (Object.hasOwn(p, 'serverSideEmit')) base = (p as { serverSideEmit: unknown }).serverSideEmit
  }
  return (adapter as { serverSideEmit?: unknown }).serverSideEmit !== base
}

/**
 * Creates the hub the server-side change feeds listen to. A note only says
 * where to look: feeds read the changes themselves from the store's log,
 * which all nodes share, so a note lost between nodes delays a feed (until
 * the next note or its poll) but never makes it skip or reorder a change.
 * Notes cross nodes with Socket.IO's `serverSideEmit`, read from the adapter
 * when sent because the adapter may be set after the relay is created.
 */
export function createChangeHub(io: Server): ChangeHub {
  const listeners = new Set<(note: ChangeNote) => void>()
  const notify = (note: ChangeNote): void => {
    for (const listener of listeners) listener(note)
  }
  ;(io as unknown as { on(event: string, listener: (note: unknown) => void): void }).on(
    NOTE_EVENT,
    (note) => {
      if (isNote(note)) notify(note)
    },
  )
  return {
    accepted(note) {
      notify(note)
      if (spansNodes(io.of('/').adapter)) {
        ;(
          io as unknown as { serverSideEmit(event: string, note: ChangeNote): void }
        ).serverSideEmit(NOTE_EVENT, { room: note.room, seq: note.seq, ts: note.ts })
      }
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
  }
}
