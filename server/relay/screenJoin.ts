import type { Namespace } from 'socket.io'
import { type JoinRequest, SERVER_ORIGIN_PREFIX } from '../../src/protocol'
import { isConnectionRoom } from './connectionRoom'
import { isFramesRoom } from './framesRoom'
import type { Refusal } from './validate'

/** What screening a join needs from the socket and the relay. */
export interface JoinScreen {
  /** The socket's namespace: a room may not be named like one of its connections. */
  nsp: Namespace
  /** The major schema version a room holds, or `undefined` when not checked. */
  major: (room: string) => string | undefined
  /** The rooms the socket is in now. */
  joined: ReadonlyMap<string, string>
  maxRoomsPerSocket: number
}

/** Ids under it are the server-side writers' (`relay.write`): every change id extends the joined client id. */
const isServerClientId = (id: string): boolean => `${id}:`.startsWith(SERVER_ORIGIN_PREFIX)

const majorOf = (v: string | number): string => String(v).split('.')[0] ?? ''

/**
 * Why a parsed join of a reader may not go on, from its names alone: a room
 * named like a connection or the relay's frames rooms, a client id of the
 * relay's own writers, a schema major the room does not hold, one room more
 * than a socket may be in. `undefined` when none applies (who owns the client
 * id is checked after).
 */
export async function screenJoin(req: JoinRequest, at: JoinScreen): Promise<Refusal | undefined> {
  if (await isConnectionRoom(at.nsp, req.room)) {
    return {
      reason: 'forbidden',
      message: `"${req.room}" is the id of a connection; a room cannot be named like one.`,
    }
  }
  if (isFramesRoom(req.room)) {
    return {
      reason: 'forbidden',
      message: 'Room names starting with "\\u0000frames\\u0000" are reserved for the relay.',
    }
  }
  if (isServerClientId(req.clientId)) {
    return {
      reason: 'forbidden',
      message: `Client ids "server" and "${SERVER_ORIGIN_PREFIX}…" are reserved for the relay's server-side writers.`,
    }
  }
  const expected = at.major(req.room)
  if (expected !== undefined && majorOf(req.schemaVersion) !== expected) {
    return {
      reason: 'skew',
      message: `Room "${req.room}" holds schema major ${expected}, the client sent ${String(req.schemaVersion)}.`,
    }
  }
  if (!at.joined.has(req.room) && at.joined.size >= at.maxRoomsPerSocket) {
    return {
      reason: 'too_large',
      message: `A socket may be in ${at.maxRoomsPerSocket} rooms at once; leave one first.`,
    }
  }
  return undefined
}
