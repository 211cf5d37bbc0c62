import { expiryGraceMs } from '../auth/expiryGrace'

/** What `expireWith` needs of a socket: its disconnect, which cancels the timer. */
interface Disconnecting {
  once(event: 'disconnect', listener: () => void): unknown
}

/**
 * Calls `onExpired` when a principal's `exp` claim (seconds) passes while its
 * socket is connected, after the clock tolerance it was verified with (see
 * `expiryGrace`). A principal without `exp` never expires.
 */
export function expireWith(principal: unknown, onExpired: () => void, socket: Disconnecting): void {
  const exp = (principal as { exp?: unknown } | null | undefined)?.exp
  if (typeof exp !== 'number') return
  const grace = expiryGraceMs(principal)
  // setTimeout holds at most 2^31-1 ms; a later expiry is checked again then.
  const arm = (): void => {
    const left = exp * 1000 + grace - Date.now()
    if (left <= 0) {
      onExpired()
      return
    }
    const timer = setTimeout(arm, Math.min(left, 2 ** 31 - 1))
    timer.unref()
    socket.once('disconnect', () => clearTimeout(timer))
  }
  arm()
}
