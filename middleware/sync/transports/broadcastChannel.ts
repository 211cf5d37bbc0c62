import { PatchwireError } from '../../../src/errors'
import type { PeerMessage, PeerTransport } from '../types'

/**
 * Peer mode's transport between tabs of one browser (and between stores in
 * one Node process, whose global `BroadcastChannel` behaves the same).
 *
 * @example
 * ```ts
 * sync({ mode: 'peer', room: 'cart', allowKeys: ['cart'], transport: createBroadcastChannelTransport('patchwire:cart') })
 * ```
 */
export function createBroadcastChannelTransport(name: string): PeerTransport {
  if (typeof BroadcastChannel !== 'function') {
    throw new PatchwireError(
      'option',
      'sync peer mode needs a global BroadcastChannel (browsers, Node 18+); pass a transport instead.',
      { option: 'transport', received: typeof BroadcastChannel },
    )
  }
  const channel = new BroadcastChannel(name)
  return {
    send: (message: PeerMessage) => channel.postMessage(message),
    subscribe(receive) {
      const onMessage = (event: Event) => receive((event as MessageEvent).data)
      channel.addEventListener('message', onMessage)
      return () => channel.removeEventListener('message', onMessage)
    },
    close: () => channel.close(),
  }
}
