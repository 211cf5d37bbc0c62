import type { RelaySocket } from 'patchwire'

/** What `offlineSwitch` returns. */
export interface OfflineSwitch {
  readonly offline: boolean
  set(offline: boolean): void
}

/**
 * Simulates losing the network for one socket. sync (rightly) opens the
 * socket it is given and socket.io-client reconnects on its own, so "offline"
 * must hold the socket down: while it is on, opening is deferred until the
 * switch goes off. The state is kept in localStorage under `key`, so a reload
 * while offline stays offline; that is how the cart shows edits surviving a
 * reload before they reach the relay.
 */
export function offlineSwitch(socket: RelaySocket, key: string): OfflineSwitch {
  let offline = localStorage.getItem(key) === '1'
  let wanted = false
  const open = socket.connect.bind(socket)
  socket.connect = socket.open = () => {
    if (offline) wanted = true
    else open()
    return socket
  }
  return {
    get offline() {
      return offline
    },
    set(next) {
      offline = next
      localStorage.setItem(key, next ? '1' : '0')
      if (next) {
        wanted = true
        socket.disconnect()
      } else if (wanted) {
        wanted = false
        open()
      }
    },
  }
}
