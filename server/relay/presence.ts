import type { Server } from 'socket.io'
import { checkValue } from '../../src/checkValue'
import { isPatchwireError } from '../../src/errors'
import type {
  ClientToServerEvents,
  PresenceEntry,
  PresenceEvent,
  PresenceSetAck,
  ServerToClientEvents,
} from '../../src/protocol'
import { type AnySchema, validateSync } from '../../src/schemaGate'
import type { PatchIssue } from '../../src/types'
import { createTokenBucket } from './limits'
import type { RelayLimits, RelayLogEntry } from './types'
import { messageBytes, type Refusal, valueProblem } from './validate'

type RelayServer = Server<ClientToServerEvents, ServerToClientEvents>

/** What a presence set is refused with: a refusal, with the schema's issues when it was the schema. */
export type PresenceRefusal = Refusal & { issues?: PatchIssue[] }

/** Why `value` is not plain JSON data (a binary attachment, a forbidden key), or `undefined`. */
function jsonProblem(value: unknown): string | undefined {
  try {
    checkValue(value)
    return undefined
  } catch (err) {
    return isPatchwireError(err) ? err.message : 'it is not JSON data.'
  }
}

/** One socket's side of presence. */
export interface SocketPresence {
  /** The socket joined `room` as `clientId`: it is sent the room's presence map. */
  joined(room: string, clientId: string): void
  /** The socket left `room` (or disconnected): its entry there goes. */
  left(room: string): void
  /** Sets (`null`: clears) the socket's own entry in a room it joined as `clientId`. */
  set(
    room: string,
    clientId: string,
    value: unknown,
  ): Extract<PresenceSetAck, { ok: true }> | PresenceRefusal
}

/** Presence of every room on one relay node. */
export interface PresenceHub {
  /** The presence side of a connected socket; `user` is its principal's id, when bound. */
  attach(socket: PresenceSocket, user: string | undefined): SocketPresence
  /** Entries held for this node's sockets. */
  size(): number
  close(): void
}

/** What presence needs of a socket. */
export interface PresenceSocket {
  id: string
  data: { presence?: Record<string, PresenceEntry> } & Record<string, unknown>
  rooms: Set<string>
  emit(event: 'presence', payload: PresenceEvent): unknown
}

interface PresenceHubOptions {
  io: RelayServer
  ttlMs: number
  limits: RelayLimits
  schema: ((room: string) => AnySchema | undefined) | undefined
  now: () => number
  log: (entry: RelayLogEntry) => void
}

interface Held {
  entry: PresenceEntry
  socket: PresenceSocket
  expiresAt: number
}

/**
 * Presence: per room, each connection's own ephemeral value. It lives in
 * memory on the node holding the connection (and in `socket.data`, which
 * Socket.IO's `fetchSockets` reads across nodes) and is never written to the
 * store. Joins, updates and leaves are broadcast to the room through the
 * adapter, so with the Redis adapter they reach every node; a joining socket
 * gets the map from `fetchSockets`, which asks the live nodes only, so
 * entries of a node that died are not in it. Clients drop entries not
 * refreshed within the TTL, which covers the broadcasts a dead node never
 * sent; this node drops entries whose heartbeat stopped and says `leave`.
 */
export function createPresenceHub(options: PresenceHubOptions): PresenceHub {
  const { io, ttlMs, limits, now, log } = options
  /** room → socket id → entry, for this node's sockets. */
  const rooms = new Map<string, Map<string, Held>>()
  const schemas = new Map<string, AnySchema | undefined>()

  const broadcast = (event: PresenceEvent) => io.to(event.room).emit('presence', event)

  const remove = (room: string, id: string): boolean => {
    const held = rooms.get(room)?.get(id)
    if (!held) return false
    rooms.get(room)?.delete(id)
    if (rooms.get(room)?.size === 0) {
      rooms.delete(room)
      schemas.delete(room)
    }
    delete held.socket.data.presence?.[room]
    broadcast({ room, type: 'leave', id })
    return true
  }

  const sweep = setInterval(
    () => {
      const t = now()
      for (const [room, held] of rooms) {
        for (const [id, h] of held) if (h.expiresAt <= t) remove(room, id)
      }
    },
    Math.max(50, Math.floor(ttlMs / 4)),
  )
  sweep.unref()

  const schemaOf = (room: string): AnySchema | undefined => {
    if (!schemas.has(room)) schemas.set(room, options.schema?.(room))
    return schemas.get(room)
  }

  const snapshot = async (room: string): Promise<PresenceEntry[]> => {
    try {
      const sockets = await io.in(room).fetchSockets()
      const entries: PresenceEntry[] = []
      for (const s of sockets) {
        const held = (s.data as PresenceSocket['data'] | undefined)?.presence
        // Own keys only: a room named "constructor" or "__proto__" must not read Object.prototype.
        if (held && Object.hasOwn(held, room) && held[room]) entries.push(held[room])
      }
      return entries
    } catch (err) {
      // A node that does not answer in time: this node's entries still go out,
      // and the others' arrive with their next heartbeat.
      log({ level: 'warn', msg: 'presence snapshot incomplete', room, error: String(err) })
      return [...(rooms.get(room)?.values() ?? [])].map((h) => h.entry)
    }
  }

  return {
    attach(socket, user) {
      const bucket = createTokenBucket(limits.presencePerSecond, limits.presencePerSecond * 2, now)
      let rev = 0
      return {
        joined(room) {
          void snapshot(room).then((entries) => {
            if (socket.rooms.has(room))
              socket.emit('presence', { room, type: 'snapshot', ttlMs, entries })
          })
        },
        left(room) {
          remove(room, socket.id)
        },
        set(room, clientId, value) {
          if (!bucket.take()) {
            return {
              reason: 'rate_limited',
              message: `More than ${limits.presencePerSecond} presence sets per second.`,
            }
          }
          if (value === null) {
            remove(room, socket.id)
            return { ok: true, id: socket.id, ttlMs, perSecond: limits.presencePerSecond }
          }
          const bytes = messageBytes(value)
          if (bytes > limits.maxPresenceBytes) {
            return {
              reason: 'too_large',
              message: `The presence value is ${bytes} bytes, the limit is ${limits.maxPresenceBytes}.`,
            }
          }
          // Every member's store copies the value level by level (Immer, the
          // status slice): a deep one would overflow the stack of every member.
          if (valueProblem(value, limits.maxValueDepth) === 'too deep') {
            return {
              reason: 'too_large',
              message: `A presence value may nest ${limits.maxValueDepth} levels deep.`,
            }
          }
          // Every member's store holds the value: only plain JSON, and no key that reaches Object.prototype.
          const invalid = jsonProblem(value)
          if (invalid)
            return { reason: 'bad_request', message: `Invalid presence value: ${invalid}` }
          const schema = schemaOf(room)
          const issues = schema ? validateSync(schema, value) : null
          if (issues) {
            return { reason: 'schema', message: 'The room refuses this presence value.', issues }
          }
          const entry: PresenceEntry = { id: socket.id, clientId, value, rev: ++rev }
          if (user !== undefined) entry.user = user
          let held = rooms.get(room)
          if (!held) {
            held = new Map()
            rooms.set(room, held)
          }
          const first = !held.has(socket.id)
          held.set(socket.id, { entry, socket, expiresAt: now() + ttlMs })
          socket.data.presence = { ...socket.data.presence, [room]: entry }
          broadcast({ room, type: first ? 'join' : 'update', ttlMs, entry })
          return { ok: true, id: socket.id, ttlMs, perSecond: limits.presencePerSecond }
        },
      }
    },
    size() {
      let n = 0
      for (const held of rooms.values()) n += held.size
      return n
    },
    close() {
      clearInterval(sweep)
    },
  }
}
