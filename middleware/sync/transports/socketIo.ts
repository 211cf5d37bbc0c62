import { io } from 'socket.io-client'
import type { RelaySocket } from '../types'

/**
 * A socket.io-client socket for the relay at `url`, with socket.io-client's own
 * reconnection (randomized exponential backoff), as `sync({ url })` creates it.
 *
 * @example
 * ```ts
 * const socket = createRelaySocket('http://localhost:4000', { token })
 * ```
 */
export function createRelaySocket(url: string, auth?: Record<string, unknown>): RelaySocket {
  return io(url, {
    ...(auth ? { auth } : {}),
    reconnection: true,
    // Each store gets its own connection, so two stores in one page are two clients.
    forceNew: true,
  })
}
