import type { Socket } from 'socket.io'
import { isPatchwireError } from '../../src/errors'
import { parsePresenceSet } from '../../src/presenceMessages'
import type {
  ClientToServerEvents,
  JoinAck,
  PresenceSetAck,
  PushAck,
  RejectReason,
  ServerToClientEvents,
} from '../../src/protocol'
import { TAB_GROUP } from '../../src/tabClientIds'
import type { RelayStore } from '../store/types'
import { clientsOf } from './changeWriter'
import { expireWith } from './expireWith'
import { framesRoomOf } from './framesRoom'
import { createInFlight, createTokenBucket } from './limits'
import type { RelayObservers } from './observer'
import type { PresenceHub } from './presence'
import type { Room } from './room'
import { screenJoin } from './screenJoin'
import type { RelayLimits, RelayLogEntry, RoomAccess } from './types'
import {
  isRefusal,
  messageBytes,
  parseCatchUp,
  parseJoin,
  parsePush,
  type Refusal,
} from './validate'

/** What a socket's handlers need from the relay. */
export interface SocketDeps {
  limits: RelayLimits
  now: () => number
  room: (name: string) => Room
  allowed: (principal: unknown, room: string, access: RoomAccess) => Promise<boolean>
  /** The major schema version of a room, or `undefined` when not checked. */
  major: (room: string) => string | undefined
  /** Who a principal's client ids belong to; `undefined`: its ids are not bound. */
  principalId: (principal: unknown) => string | undefined
  /** Where client ids' owners and counters are kept. */
  store: Pick<RelayStore, 'claimClient' | 'clientOwner' | 'clientCounter'>
  log: (entry: RelayLogEntry) => void
  /** Told what each answered message came to. */
  observe: Pick<RelayObservers, 'joined' | 'refused' | 'pushed' | 'served'>
  /** Who is in which room (`presence.ts`). */
  presence?: PresenceHub
  /** False while the fan-out's subscription is not live yet: joins are refused then. */
  fanoutLive: () => boolean
}

export type RelaySocket = Socket<ClientToServerEvents, ServerToClientEvents>

/** Reasons that mean the client misbehaved; enough of them and it is disconnected. */
const VIOLATIONS: ReadonlySet<RejectReason> = new Set([
  'bad_request',
  'too_large',
  'rate_limited',
  'forbidden',
])

/** The room a push names, when it names one (the handler checks the rest). */
const roomOf = (raw: unknown): string | undefined => {
  const room = (raw as { room?: unknown } | null)?.room
  return typeof room === 'string' ? room : undefined
}

/**
 * Wires one connected socket: rate limits and size checks on every message,
 * then join / leave / catchUp / push against the rooms.
 */
export function handleSocket(socket: RelaySocket, principal: unknown, deps: SocketDeps): void {
  const { limits, now } = deps
  const messages = createTokenBucket(limits.messagesPerSecond, limits.messagesPerSecond * 2, now)
  const changes = createTokenBucket(limits.changesPerSecond, limits.changesPerSecond * 2, now)
  const violations = createTokenBucket(1, limits.maxViolations, now)
  // An honest client keeps one push per room in flight and coalesces what
  // queues meanwhile, so its pushes are paced by the relay's own answers: only
  // a push sent while another of the same room is unanswered (pipelining, a
  // flood) is charged against the message rate. Changes are always counted.
  const pushesInFlight = createInFlight()
  /** room → the clientId it joined with. */
  const joined = new Map<string, string>()
  /** Rooms this socket joined with `echo: false`: its own changes come back in push answers only. */
  const unechoed = new Set<string>()
  const owner = deps.principalId(principal)
  /** `room \n client` pairs known to belong to this socket's principal (a binding never changes). */
  const owned = new Set<string>()
  let gone = false
  /** Set when a refusal used up the violation budget: said once every message has its answer. */
  let leaving: { reason: RejectReason; message: string } | undefined
  const presence = deps.presence?.attach(socket, owner)
  /** Messages being handled, not yet answered. */
  let answering = 0

  const goodbye = (reason: RejectReason | 'shutdown', message: string): void => {
    if (gone) return
    gone = true
    deps.log({ level: 'warn', msg: 'goodbye', socket: socket.id, reason, message })
    socket.emit('goodbye', { reason, message })
    socket.disconnect(true)
  }

  const refused = (
    event: string,
    r: Refusal,
    violation = VIOLATIONS.has(r.reason),
  ): { ok: false; reason: RejectReason; message: string } => {
    deps.log({
      level: 'info',
      msg: 'refused',
      socket: socket.id,
      event,
      reason: r.reason,
      message: r.message,
    })
    if (violation && !violations.take()) {
      leaving ??= { reason: r.reason, message: `Too many refused messages; last: ${r.message}` }
    }
    return { ok: false, reason: r.reason, message: r.message }
  }

  // Answer first, then leave: the client learns why its messages were refused,
  // also those it sent without waiting for an answer, which may still be
  // handled (awaiting the store) when a later one uses up the budget.
  const leaveIfOverBudget = (): void => {
    if (leaving && answering === 0) goodbye(leaving.reason, leaving.message)
  }

  /**
   * True when `client` is this principal's in `room`. A push binds an unbound
   * client id to the principal (its first use); a join only checks. The
   * shared-connection group (`tabs`) is no one's: every user's shared
   * connection joins under it, and its tabs' ids (`tabs:<tab>`) are what
   * binds. A binding of the group an older relay stored is ignored with it.
   */
  const owns = async (room: string, client: string, claim: boolean): Promise<boolean> => {
    if (owner === undefined || client === TAB_GROUP || owned.has(`${room}\n${client}`)) return true
    const holder = claim
      ? await deps.store.claimClient(room, client, owner)
      : await deps.store.clientOwner(room, client)
    if (holder === undefined) return true
    if (holder !== owner) return false
    owned.add(`${room}\n${client}`)
    return true
  }

  const foreignId = (room: string, client: string): Refusal => ({
    reason: 'forbidden',
    message: `Client id "${client}" belongs to another user in room "${room}"; use a client id of your own.`,
  })

  /** What a message comes to: the limits every message meets, then its handler. */
  const answer = async <A>(
    event: string,
    raw: unknown,
    handle: (raw: unknown) => Promise<A>,
    refuse: (r: Refusal) => A,
    charged: boolean,
  ): Promise<A> => {
    if (charged && !messages.take()) {
      return refuse(
        refused(event, {
          reason: 'rate_limited',
          message: `More than ${limits.messagesPerSecond} messages per second.`,
        }),
      )
    }
    const bytes = messageBytes(raw)
    if (bytes > limits.maxPayloadBytes) {
      return refuse(
        refused(event, {
          reason: 'too_large',
          message: `The message is ${bytes} bytes, the limit is ${limits.maxPayloadBytes}.`,
        }),
      )
    }
    try {
      return await handle(raw)
    } catch (err) {
      // A store that cannot be reached (Redis restarting) says so, and the client
      // tries again; anything else is the relay's own failure.
      const transient = isPatchwireError(err) && err.code === 'transport'
      deps.log({
        level: transient ? 'warn' : 'error',
        msg: 'handler failed',
        event,
        socket: socket.id,
        error: String(err),
      })
      return refuse({
        reason: 'unavailable',
        message: transient ? err.message : 'The relay failed to handle the message.',
      })
    }
  }

  /** Registers an event handler with the checks every message gets. */
  const on = <A>(
    event: 'join' | 'leave' | 'push' | 'catchUp' | 'presence:set',
    handle: (raw: unknown) => Promise<A>,
    refuse: (r: Refusal) => A,
  ): void => {
    socket.on(event, async (raw: unknown, ack: unknown) => {
      if (typeof ack !== 'function') {
        refused(event, {
          reason: 'bad_request',
          message: `${event} needs an acknowledgement callback.`,
        })
        leaveIfOverBudget()
        return
      }
      const reply = (res: A): void => {
        if (!gone) (ack as (res: A) => void)(res)
        // Only whole refusals carry a top-level reason (a leave refusal has none).
        const reason = (res as { reason?: RejectReason }).reason
        if (reason !== undefined && event !== 'leave') deps.observe.refused(event, reason)
      }
      if (leaving) {
        // Arrived after the budget ran out, before the goodbye: answered, not handled.
        reply(refuse(refused(event, leaving, false)))
        return
      }
      answering++
      const room = event === 'push' ? roomOf(raw) : undefined
      const charged = room === undefined || pushesInFlight.enter(room)
      try {
        reply(await answer(event, raw, handle, refuse, charged))
      } finally {
        answering--
        if (room !== undefined) pushesInFlight.leave(room)
        leaveIfOverBudget()
      }
    })
  }

  const denied = async (room: string, access: RoomAccess): Promise<Refusal | undefined> =>
    (await deps.allowed(principal, room, access))
      ? undefined
      : { reason: 'forbidden', message: `No ${access} access to room "${room}".` }

  on<JoinAck>(
    'join',
    async (raw) => {
      const req = parseJoin(raw, limits)
      if (isRefusal(req)) return refused('join', req)
      if (!deps.fanoutLive()) {
        // Joined now, the client would miss what other nodes broadcast until
        // the subscription is live; refused as transient, it joins again.
        return refused(
          'join',
          {
            reason: 'unavailable',
            message: "The relay's fan-out subscription to Redis is not live yet.",
          },
          false,
        )
      }
      const no = await denied(req.room, 'read')
      if (no) return refused('join', no)
      const screened = await screenJoin(req, {
        nsp: socket.nsp,
        major: deps.major,
        joined,
        maxRoomsPerSocket: limits.maxRoomsPerSocket,
      })
      if (screened) return refused('join', screened)
      if (!(await owns(req.room, req.clientId, false))) {
        return refused('join', foreignId(req.room, req.clientId))
      }
      // Gone while the checks awaited: joining now would leave a room no disconnect ever empties.
      if (gone)
        return refused(
          'join',
          { reason: 'unavailable', message: 'The socket disconnected.' },
          false,
        )
      const room = deps.room(req.room)
      // Subscribe first, then read on the room's queue: every change after the
      // read is broadcast after this ack, so nothing falls between them.
      // Frame readers are also in the room's frames room, which every broadcast
      // addresses apart; a re-join without the flag moves the socket back to events.
      if (req.frames === true) await socket.join([req.room, framesRoomOf(req.room)])
      else {
        await socket.join(req.room)
        await socket.leave(framesRoomOf(req.room))
      }
      joined.set(req.room, req.clientId)
      if (req.echo === false) unechoed.add(req.room)
      else unechoed.delete(req.room)
      presence?.joined(req.room, req.clientId)
      const ack = await room.read(req.since)
      const counter = await deps.store.clientCounter(req.room, req.clientId)
      deps.observe.joined(req.room)
      deps.observe.served(req.room, 'join', 'snapshot' in ack ? 'snapshot' : 'changes')
      const push = {
        maxChangesPerPush: limits.maxChangesPerPush,
        maxPayloadBytes: limits.maxPayloadBytes,
      }
      return { ...ack, client: { id: req.clientId, counter }, limits: push }
    },
    (r) => ({ ok: false, ...r }),
  )

  on<{ ok: boolean }>(
    'leave',
    async (raw) => {
      const room = (raw as { room?: unknown } | null)?.room
      if (typeof room !== 'string' || !joined.has(room)) return { ok: false }
      joined.delete(room)
      unechoed.delete(room)
      presence?.left(room)
      await socket.leave(framesRoomOf(room))
      await socket.leave(room)
      return { ok: true }
    },
    () => ({ ok: false }),
  )

  on<JoinAck>(
    'catchUp',
    async (raw) => {
      const req = parseCatchUp(raw, limits)
      if (isRefusal(req)) return refused('catchUp', req)
      if (!joined.has(req.room)) {
        return refused('catchUp', {
          reason: 'bad_request',
          message: `Join room "${req.room}" first.`,
        })
      }
      const ack = await deps.room(req.room).read(req.since, req.until)
      deps.observe.served(req.room, 'catchUp', 'snapshot' in ack ? 'snapshot' : 'changes')
      return ack
    },
    (r) => ({ ok: false, ...r }),
  )

  on<PushAck>(
    'push',
    async (raw) => {
      const req = parsePush(raw, limits)
      if (isRefusal(req)) return refused('push', req)
      const no = await denied(req.room, 'write')
      if (no) return refused('push', no)
      const origin = joined.get(req.room)
      if (origin === undefined) {
        return refused('push', { reason: 'bad_request', message: `Join room "${req.room}" first.` })
      }
      if (!changes.take(req.changes.length)) {
        return refused(
          'push',
          {
            reason: 'rate_limited',
            message: `More than ${limits.changesPerSecond} changes per second.`,
          },
          // A client re-pushing a long offline queue meets this honestly: it is not abuse.
          false,
        )
      }
      // Each client the ids write under must be this principal's, or another
      // user's ids could be written, replayed or made to read as applied.
      for (const client of clientsOf(req.changes, origin)) {
        if (!(await owns(req.room, client, true)))
          return refused('push', foreignId(req.room, client))
      }
      const sender = unechoed.has(req.room) ? socket.id : undefined
      const results = await deps.room(req.room).push(origin, req.changes, sender)
      deps.observe.pushed(req.room, results)
      const bad = results.find((r) => 'reason' in r && VIOLATIONS.has(r.reason))
      if (bad && 'reason' in bad)
        refused('push', { reason: bad.reason, message: bad.message ?? bad.reason })
      return { ok: true, results }
    },
    (r) => ({ ok: false, ...r }),
  )

  // Presence: anyone who may read a room may say they are in it; it never touches durable state.
  on<PresenceSetAck>(
    'presence:set',
    async (raw) => {
      const req = parsePresenceSet(raw, limits.maxIdLength)
      if (isRefusal(req)) return refused('presence:set', req)
      const clientId = joined.get(req.room)
      if (clientId === undefined || !presence) {
        return refused('presence:set', {
          reason: 'bad_request',
          message: `Join room "${req.room}" first.`,
        })
      }
      const no = await denied(req.room, 'read')
      if (no) return refused('presence:set', no)
      const verdict = presence.set(req.room, clientId, req.value)
      if ('reason' in verdict) {
        const answer = refused('presence:set', verdict)
        return verdict.issues ? { ...answer, issues: verdict.issues } : answer
      }
      return verdict
    },
    (r) => ({ ok: false, ...r }),
  )

  socket.on('disconnect', () => {
    gone = true
    for (const room of joined.keys()) presence?.left(room)
  })

  expireWith(principal, () => goodbye('forbidden', 'The token expired.'), socket)
}
