/**
 * The rooms one socket is in as the relay answered its joins and leaves, so
 * the fuzzer can tell an event for a room the socket never joined. A room
 * whose join or leave is still unanswered counts as joined: its events may
 * arrive before the answer.
 */
export interface Membership {
  /** Notes a request; returns what to call with its answer. */
  asked(event: string, args: readonly unknown[]): (reply: readonly unknown[]) => void
  /** Whether events of `room` may reach the socket. */
  mayHear(room: string): boolean
}

export function createMembership(): Membership {
  const joined = new Set<string>()
  const open = new Map<string, number>()
  return {
    asked(event, args) {
      const room = (args[0] as { room?: unknown } | null | undefined)?.room
      if ((event !== 'join' && event !== 'leave') || typeof room !== 'string') return () => {}
      open.set(room, (open.get(room) ?? 0) + 1)
      return (reply) => {
        const n = (open.get(room) ?? 1) - 1
        if (n === 0) open.delete(room)
        else open.set(room, n)
        const ok = (reply[0] as { ok?: unknown } | undefined)?.ok === true
        if (ok && event === 'join') joined.add(room)
        if (ok && event === 'leave') joined.delete(room)
      }
    },
    mayHear: (room) => joined.has(room) || open.has(room),
  }
}
