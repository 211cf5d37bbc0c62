import { messageOf } from '../../src/errors'
import type { PushResult } from '../../src/protocol'
import type {
  ForwardAnswer,
  ForwardedPush,
  OwnershipHost,
  PushForwarding,
  RoomOwnership,
} from '../relay/roomOwnership'
import type { RoomLease, RoomLeases } from '../store/redisLease'

/** Resolved settings of a room owner. */
export interface RoomOwnerSettings {
  /** This node's id, as the lease names it. */
  node: string
  /** How long a lease lasts without renewal; renewed every third of it. */
  leaseMs: number
  /** A lease nobody pushed under for this long is released. */
  idleMs: number
}

/** A lease this node holds. */
interface Held {
  token: number
  /** Until when (local clock) the lease surely lasts: the TTL counted from before the call that set it. */
  until: number
  lastPush: number
  renewing: boolean
}

const ATTEMPTS = 3

function unavailable(changes: readonly unknown[], message: string): PushResult[] {
  return changes.map((c) => ({
    id: String((c as { id?: unknown } | null)?.id ?? ''),
    reason: 'unavailable' as const,
    message,
  }))
}

/**
 * One writer per room, on leases and forwarded pushes. A push for a room
 * nobody owns takes the lease (a new fencing token) and runs here; a push for
 * a room another node owns is forwarded there and answered with its
 * verdicts. The owner renews its leases every third of their TTL and releases
 * them on close (another node takes over at the next push) or after
 * `idleMs` without pushes; a node that dies loses them when they expire.
 *
 * What this node believes is only a hint: every append carries the token,
 * and the store refuses it atomically once the lease holds another one (a
 * pause or a partition longer than the TTL), so two nodes never append to one
 * room, whatever their clocks and timers say. The changes of a refused
 * append go on to the new owner; a push while no owner can be reached is
 * answered `unavailable`, and clients push it again.
 */
export function createRoomOwner(
  leases: RoomLeases,
  forwarding: PushForwarding,
  settings: RoomOwnerSettings,
): RoomOwnership {
  const { node, leaseMs, idleMs } = settings
  const renewEvery = Math.max(1, Math.floor(leaseMs / 3))
  const held = new Map<string, Held>()
  /** Where pushes for rooms of other nodes go, remembered for a renewal period. */
  const elsewhere = new Map<string, { node: string; until: number }>()
  let host: OwnershipHost | undefined
  let listening: Promise<void> = Promise.resolve()
  let closing = false
  let timer: ReturnType<typeof setInterval> | undefined

  const hostOf = (): OwnershipHost => {
    if (!host) throw new Error('Room ownership is used before createRelay attached it.')
    return host
  }

  /** Remembers the lease of a room as `acquire` answered it; `asked` is from before the call. */
  const noteLease = (room: string, lease: RoomLease, asked: number): boolean => {
    const h = held.get(room)
    if (lease.mine) {
      if (h) {
        // A lease that ran out while nobody else took it comes back under a new token.
        h.token = lease.token
        h.until = asked + leaseMs
      } else {
        held.set(room, {
          token: lease.token,
          until: asked + leaseMs,
          lastPush: asked,
          renewing: false,
        })
      }
      elsewhere.delete(room)
      return true
    }
    if (h) {
      held.delete(room)
      host?.log({ level: 'info', msg: 'room lease lost', room, node, owner: lease.node })
    }
    elsewhere.set(room, { node: lease.node, until: asked + renewEvery })
    return false
  }

  /** Lease requests on their way, one per room, shared by the pushes that wait for them. */
  const asking = new Map<string, Promise<RoomLease>>()

  const owner = async (room: string): Promise<{ mine: true } | { mine: false; node: string }> => {
    const now = Date.now()
    const h = held.get(room)
    if (h && now < h.until) return { mine: true }
    const known = elsewhere.get(room)
    if (known && now < known.until) return { mine: false, node: known.node }
    let request = asking.get(room)
    if (!request) {
      request = leases.acquire(room, node, leaseMs).then((lease) => {
        noteLease(room, lease, now)
        return lease
      })
      asking.set(room, request)
      const done = () => {
        if (asking.get(room) === request) asking.delete(room)
      }
      request.then(done, done)
    }
    const lease = await request
    return lease.mine ? { mine: true } : { mine: false, node: lease.node }
  }

  const pushHere = (room: string, origin: string, changes: readonly unknown[]) => {
    const h = held.get(room)
    if (h) h.lastPush = Date.now()
    return hostOf().push(room, origin, changes)
  }

  const answer = async (push: ForwardedPush): Promise<ForwardAnswer> => {
    // The sender may have learnt from Redis that this node took the room before this node did.
    await asking.get(push.room)?.catch(() => {})
    if (closing || !held.has(push.room)) return { kind: 'not_owner' }
    return { kind: 'verdicts', results: await pushHere(push.room, push.origin, push.changes) }
  }

  const renew = (room: string, h: Held): void => {
    h.renewing = true
    const asked = Date.now()
    leases.acquire(room, node, leaseMs).then(
      (lease) => {
        h.renewing = false
        if (held.get(room) === h) noteLease(room, lease, asked)
      },
      // Redis unreachable: the lease runs out unless a later renewal gets through.
      () => {
        h.renewing = false
      },
    )
  }

  const route = async (
    room: string,
    origin: string,
    changes: readonly unknown[],
    attempts: number,
  ): Promise<PushResult[]> => {
    if (closing) return unavailable(changes, 'The relay node is shutting down; push again.')
    await listening.catch(() => {})
    for (let attempt = 0; attempt < attempts; attempt++) {
      let where: Awaited<ReturnType<typeof owner>>
      try {
        where = await owner(room)
      } catch (err) {
        return unavailable(
          changes,
          `The owner of room "${room}" cannot be looked up (${messageOf(err)}); push again.`,
        )
      }
      if (where.mine) {
        const results = await pushHere(room, origin, changes)
        // The lease moved while the push waited here (the store refused the stale
        // token): the changes from the first one not taken on go to the new owner.
        const from = held.has(room)
          ? -1
          : results.findIndex((r) => 'reason' in r && r.reason === 'unavailable')
        if (from < 0 || attempt === attempts - 1) return results
        const rest = await route(room, origin, changes.slice(from), attempts - attempt - 1)
        return [...results.slice(0, from), ...rest]
      }
      const reply = await forwarding.send(where.node, { room, origin, changes })
      if (reply.kind === 'verdicts') return reply.results
      elsewhere.delete(room)
      if (reply.kind === 'unreachable') {
        return unavailable(
          changes,
          `The relay node owning room "${room}" cannot be reached (${reply.message}); push again.`,
        )
      }
    }
    return unavailable(changes, `The owner of room "${room}" kept moving; push again.`)
  }

  const tick = (): void => {
    const now = Date.now()
    for (const [room, h] of held) {
      if (now - h.lastPush > idleMs) {
        held.delete(room)
        void leases.release(room, node, h.token).catch(() => false)
        host?.released(room)
      } else if (!h.renewing) renew(room, h)
    }
  }

  return {
    node,
    attach: (h) => {
      host = h
      listening = forwarding.listen(node, answer)
      // A failed subscribe shows as pushes to this node answered `unreachable`; ioredis retries it.
      listening.catch((err: unknown) =>
        h.log({ level: 'warn', msg: 'forwarding subscribe failed', error: messageOf(err) }),
      )
      timer = setInterval(tick, renewEvery)
      timer.unref()
    },
    route: (room, origin, changes) => route(room, origin, changes, ATTEMPTS),
    token: (room) => held.get(room)?.token,
    lost: (room, token) => {
      if (held.get(room)?.token !== token) return
      held.delete(room)
      host?.log({ level: 'info', msg: 'room lease lost', room, node, token })
    },
    close: async () => {
      if (closing) return
      closing = true
      if (timer) clearInterval(timer)
      await host?.drained()
      const releasing = [...held].map(([room, h]) =>
        leases.release(room, node, h.token).catch(() => false),
      )
      held.clear()
      await Promise.all(releasing)
      await Promise.all([forwarding.close(), leases.close()])
    },
  }
}
