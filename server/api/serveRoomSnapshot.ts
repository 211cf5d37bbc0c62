import type { IncomingMessage, ServerResponse } from 'node:http'
import { messageOf } from '../../src/errors'
import type { Relay, RelayHandshake } from '../relay/types'

const ROUTE = /^\/rooms\/([^/]+)\/snapshot$/

/** The JSON body of every answer that is not a snapshot. */
interface SnapshotError {
  error: {
    code: 'unauthenticated' | 'forbidden' | 'bad_request' | 'method_not_allowed' | 'unavailable'
    message: string
  }
}

const STATUS: Record<SnapshotError['error']['code'], number> = {
  unauthenticated: 401,
  forbidden: 403,
  bad_request: 400,
  method_not_allowed: 405,
  unavailable: 503,
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    // A room's state changes with every write and may be private to a user.
    'cache-control': 'no-store',
    ...headers,
  })
  res.end(JSON.stringify(body))
}

function fail(res: ServerResponse, code: SnapshotError['error']['code'], message: string): void {
  const headers: Record<string, string> =
    code === 'unauthenticated'
      ? { 'www-authenticate': 'Bearer' }
      : code === 'method_not_allowed'
        ? { allow: 'GET, HEAD' }
        : {}
  send(res, STATUS[code], { error: { code, message } } satisfies SnapshotError, headers)
}

/**
 * Answers `GET /rooms/:room/snapshot` with the room's `{ room, seq, state }`
 * as JSON (what server-side rendering starts from; a sync client joining with
 * `since: seq` gets only what came after). The request is let in exactly like
 * a socket's join: the relay's `authenticate` sees the request's headers (so
 * `jwtAuth` reads `Authorization: Bearer <token>`), then `authorize` must
 * grant `read`. Errors are JSON `{ error: { code, message } }`: 401
 * `unauthenticated`, 403 `forbidden`, 400 `bad_request`, 405, 503
 * `unavailable` (the store failed). Resolves `false`, without answering, for
 * any other path, so it can sit in front of other handlers.
 *
 * The relay's own http server (no `httpServer` option) and the CLI serve it;
 * call it from your server when you pass `httpServer`.
 *
 * @example
 * ```ts
 * const server = http.createServer(async (req, res) => {
 *   if (await serveRoomSnapshot(req, res, relay)) return
 *   app(req, res)
 * })
 * const relay = createRelay({ httpServer: server, store })
 * ```
 */
export async function serveRoomSnapshot(
  req: IncomingMessage,
  res: ServerResponse,
  relay: Pick<Relay, 'admit' | 'read'>,
): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://localhost')
  const match = ROUTE.exec(url.pathname)
  if (!match) return false
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    fail(res, 'method_not_allowed', `${req.method ?? 'This method'} is not allowed here; use GET.`)
    return true
  }
  let room: string
  try {
    room = decodeURIComponent(match[1]!)
  } catch {
    fail(res, 'bad_request', 'The room name is not valid percent-encoding.')
    return true
  }
  const handshake: RelayHandshake = {
    auth: {},
    headers: req.headers,
    query: Object.fromEntries(url.searchParams),
    address: req.socket.remoteAddress ?? '',
  }
  try {
    const admission = await relay.admit(handshake, room, 'read')
    if (!admission.ok) {
      fail(res, admission.reason, admission.message)
      return true
    }
    const { seq, state } = await relay.read(room)
    send(res, 200, { room, seq, state })
  } catch (err) {
    const message = messageOf(err)
    // A room name the relay refuses is the caller's mistake; anything else is the store.
    if ((err as { code?: unknown }).code === 'option') fail(res, 'bad_request', message)
    else fail(res, 'unavailable', `The room could not be read: ${message}`)
  }
  return true
}
