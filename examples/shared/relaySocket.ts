import type { RelaySocket } from 'patchwire'
import { io } from 'socket.io-client'

/** A socket to the relay that served this page (same origin); sync opens it. */
export function relaySocket(): RelaySocket {
  return io(window.location.origin, {
    autoConnect: false,
    transports: ['websocket'],
  }) as RelaySocket
}

/** A name for this tab, kept for the tab's life (sessionStorage survives reloads). */
export function tabName(): string {
  const saved = sessionStorage.getItem('patchwire-example-name')
  if (saved) return saved
  const name = `tab-${Math.random().toString(36).slice(2, 6)}`
  sessionStorage.setItem('patchwire-example-name', name)
  return name
}
