import type { IncomingMessage } from 'node:http'

/** Which browser origins may connect: the relay's `cors.origin`. */
export type AllowedOrigins = string | string[] | boolean | undefined

/**
 * Whether a Socket.IO handshake may go on, judged by the page origin a
 * browser sends with it (`Origin`). CORS alone only guards the polling
 * transport: a browser opens a WebSocket to any host without asking, so the
 * relay itself must refuse pages it does not serve. Allowed: no `Origin`
 * (not a browser page: Node clients, native apps), the relay's own origin
 * (the `Origin` names the host the request was sent to), and the origins of
 * `cors.origin` (`true` or `'*'` for any).
 */
export function originAllowed(req: IncomingMessage, allowed: AllowedOrigins): boolean {
  const origin = req.headers.origin
  if (origin === undefined) return true
  if (allowed === true || allowed === '*') return true
  const list = typeof allowed === 'string' ? [allowed] : Array.isArray(allowed) ? allowed : []
  if (list.includes('*') || list.includes(origin)) return true
  try {
    return new URL(origin).host === req.headers.host
  } catch {
    // `null` (a sandboxed frame, a file) and other unparsable origins are not the relay's own.
    return false
  }
}
