import { io as connectClient, type Socket } from 'socket.io-client'
import { createRelay } from '../../server/createRelay'
import type { Relay, RelayOptions } from '../../server/relay/types'
import { formatHlc } from '../../src/hlc'
import type { ClientToServerEvents, ServerToClientEvents } from '../../src/protocol'

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>

/** Starts a relay on 127.0.0.1 port 0 and tracks sockets so `stop` closes everything. */
export async function startRelay<P = unknown>(options: RelayOptions<P> = {}) {
  const relay: Relay = createRelay(options)
  const port = await relay.listen(0, '127.0.0.1')
  const url = `http://127.0.0.1:${port}`
  const sockets: ClientSocket[] = []
  return {
    relay,
    url,
    port,
    /** A connected client (rejects on connect_error). */
    connect: (auth?: Record<string, unknown>): Promise<ClientSocket> => {
      const socket: ClientSocket = connectClient(url, {
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        ...(auth ? { auth } : {}),
      })
      sockets.push(socket)
      return new Promise((resolve, reject) => {
        socket.once('connect', () => resolve(socket))
        socket.once('connect_error', reject)
      })
    },
    stop: async () => {
      for (const s of sockets) s.disconnect()
      await relay.close()
    },
  }
}

/** Emits an event with an ack and resolves the ack's payload. */
export function ask<E extends keyof ClientToServerEvents>(
  socket: ClientSocket,
  event: E,
  req: Parameters<ClientToServerEvents[E]>[0],
): Promise<Parameters<Parameters<ClientToServerEvents[E]>[1]>[0]> {
  return new Promise((resolve) => {
    ;(socket.emit as (e: string, r: unknown, ack: (res: unknown) => void) => void)(
      event,
      req,
      (res) => resolve(res as Parameters<Parameters<ClientToServerEvents[E]>[1]>[0]),
    )
  })
}

/** Sends anything at all, bypassing the types, and resolves the ack. */
export function askRaw(socket: ClientSocket, event: string, req: unknown): Promise<unknown> {
  return new Promise((resolve) => {
    ;(socket.emit as (e: string, r: unknown, ack: (res: unknown) => void) => void)(
      event,
      req,
      resolve,
    )
  })
}

/** An HLC timestamp string at wall ms `wall` from node `node`. */
export const ts = (wall: number, node = 'n', counter = 0): string =>
  formatHlc({ wall, counter, node })

/** A change of one `add` at `[path]`, its timestamp at `wall` on the node its id names. */
export const oneAdd = (id: string, wall: number, path: string, value: unknown) => ({
  id,
  ts: ts(wall, id.split(':')[0]),
  ops: [{ op: 'add' as const, path: [path], value }],
})

/** Collects the `change` events a socket receives. */
export function collectChanges(socket: ClientSocket) {
  const seen: Parameters<ServerToClientEvents['change']>[0][] = []
  socket.on('change', (c) => seen.push(c))
  return seen
}

/** Resolves once `predicate` holds, polling each event-loop turn (for broadcasts that follow an ack). */
export async function until(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((r) => setTimeout(r, 5))
}

/** A raw client socket connected to `url`, without reconnection, added to `opened` so the test can close it. */
export async function connectRaw(
  url: string,
  opened: { disconnect(): unknown }[],
): Promise<ClientSocket> {
  const socket: ClientSocket = connectClient(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  })
  opened.push(socket)
  await new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(undefined))
    socket.once('connect_error', reject)
  })
  return socket
}
