import { io } from 'socket.io-client'
import { formatHlc } from '../../src/hlc'
import type { RelayChange } from '../../src/protocol'
import { TAB_GROUP } from '../../src/tabClientIds'
import type { ClientSocket } from './helpers'

/**
 * The hostile user of the convergence property: another JWT principal of the
 * room, on raw socket.io-client, who reads the room's log and then joins
 * under the client ids it finds, pushes new changes under them, replays
 * their accepted changes verbatim, and writes fairly under its own id. Each
 * attempt opens its own socket, so a relay that says goodbye to it (too many
 * refusals) does not end the others.
 */

/** What one attempt came to. */
export interface HostileAttempt {
  move: 'join' | 'push' | 'replay' | 'own'
  /** The client id it acted under (another user's, but for `own`). */
  under: string
  /** The relay's answer, or `undefined` when there was none (the relay was down or restarting). */
  answer: unknown
  /** The item a fair write appends. */
  item?: string
}

/** The client part of a change id (`<client>:<counter>`). */
export const clientOf = (id: string): string => id.slice(0, id.lastIndexOf(':'))

type Emit = (event: string, payload: unknown) => Promise<unknown>

async function session<T>(
  url: string,
  auth: Record<string, unknown>,
  act: (emit: Emit) => Promise<T>,
): Promise<T | undefined> {
  const socket: ClientSocket = io(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    auth,
  })
  let gone: () => void = () => {}
  const closed = new Promise<undefined>((resolve) => {
    gone = () => resolve(undefined)
    socket.on('disconnect', gone)
    socket.on('connect_error', gone)
  })
  // An answer, or nothing when the socket goes first (the relay is down, or it said goodbye).
  const emit: Emit = (event, payload) =>
    Promise.race([
      new Promise((resolve) => socket.emit(event as 'join', payload as never, resolve)),
      closed,
    ])
  try {
    return await act(emit)
  } finally {
    socket.disconnect()
    gone()
  }
}

/** The refusal reason of a join or push answer (a whole refusal's, or the first change's). */
export const reasonOf = (answer: unknown): string | undefined => {
  // No answer at all (the relay was down for the whole attempt) has no reason either.
  const a = (answer ?? {}) as { ok?: boolean; reason?: string; results?: { reason?: string }[] }
  return a.ok === false ? a.reason : a.results?.[0]?.reason
}

/**
 * Asks again while the relay answers `unavailable` (the store it must check
 * with is down), as any client does, so the check sees the relay's real verdict.
 */
async function untilDecided(ask: () => Promise<unknown>): Promise<unknown> {
  let answer = await ask()
  for (let tries = 0; tries < 100 && reasonOf(answer) === 'unavailable'; tries++) {
    await new Promise((r) => setTimeout(r, 50))
    answer = await ask()
  }
  return answer
}

/** The hostile user `mallory` of case `caseNo` in `room`. */
export function hostileUser(room: string, caseNo: number, auth: Record<string, unknown>) {
  const own = `mallory${caseNo}`
  let counter = 0
  const attempts: Promise<HostileAttempt>[] = []
  const join = (emit: Emit, clientId: string, since?: number) =>
    emit('join', { room, schemaVersion: 1, clientId, ...(since === undefined ? {} : { since }) })
  /** The room's log, as this user may read it. */
  const readLog = async (emit: Emit): Promise<RelayChange[]> => {
    const ack = (await join(emit, own, 0)) as { ok?: boolean; changes?: RelayChange[] } | undefined
    return ack?.ok ? (ack.changes ?? []) : []
  }
  /** Another user's change from the log, picked by `pick`. */
  const othersChange = (log: RelayChange[], pick: number) => {
    const theirs = log.filter((c) => !clientOf(c.id).startsWith('mallory'))
    return theirs[pick % Math.max(1, theirs.length)]
  }
  const pushOne = (emit: Emit, id: string, node: string, ops: unknown, ts?: string) =>
    emit('push', {
      room,
      changes: [{ id, ts: ts ?? formatHlc({ wall: Date.now(), counter: 0, node }), ops }],
    })

  return {
    own,
    attempts,
    /** Starts `move` against the `pick`-th change of someone else in the log; not awaited. */
    act(url: string, move: HostileAttempt['move'], pick: number): void {
      // Taken now: attempts run concurrently, and each writes a value of its own.
      const n = ++counter
      const attempt = session(url, auth, async (emit): Promise<HostileAttempt | undefined> => {
        if (move === 'own') {
          const item = `m${caseNo}.${n}`
          // Like the server writer, it writes into a room that exists: after the first seed.
          if ((await readLog(emit)).length === 0) return undefined
          const id = `${own}:${n}`
          const answer = await pushOne(emit, id, own, [
            { op: 'add', path: ['todos', 'items', '-'], value: item },
          ])
          return { move, under: own, answer, item }
        }
        const victim = othersChange(await readLog(emit), pick)
        if (!victim) return undefined
        const under = clientOf(victim.id)
        if (move === 'join') {
          // A socket of its own, as a client opened under that id would have.
          const answer = await untilDecided(() => session(url, auth, (other) => join(other, under)))
          return { move, under, answer }
        }
        // Under a tab id it joins as the tab group, which anyone may: only the tab ids are bound.
        if (under.startsWith(`${TAB_GROUP}:`) && !(await join(emit, TAB_GROUP))) return undefined
        if (move === 'replay') {
          return {
            move,
            under,
            answer: await untilDecided(() =>
              pushOne(emit, victim.id, under, victim.ops, victim.ts),
            ),
          }
        }
        // New changes under the victim's id, at counters it used and ones it has yet to use.
        const at = Number(victim.id.slice(victim.id.lastIndexOf(':') + 1)) + (pick % 3)
        return {
          move,
          under,
          answer: await untilDecided(() =>
            pushOne(emit, `${under}:${at}`, under, [
              { op: 'add', path: ['todos', 'items', '-'], value: `x${caseNo}.${n}` },
            ]),
          ),
        }
      }).then((a) => a ?? { move, under: own, answer: undefined })
      attempts.push(attempt)
    },
  }
}
