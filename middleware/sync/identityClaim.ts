import type { TabLocks } from './types'

/**
 * How long a tab waits to claim a restored identity before deciding that a live
 * tab holds it. Web Locks grant a free lock at once; the BroadcastChannel lease
 * fallback grants one after its lease (1 s) and claim (0.1 s) windows.
 */
export const IDENTITY_CLAIM_TIMEOUT_MS = 1500

/** One sync identity (client id) held by this tab for as long as it runs. */
export interface IdentityClaim {
  /**
   * Claims `clientId`. With `timeoutMs`, resolves false when another live tab
   * holds it; without, waits as long as it takes and resolves true.
   */
  hold(clientId: string, timeoutMs?: number): Promise<boolean>
  /** Lets the identity go (stop, or the tab closes: Web Locks release it themselves). */
  release(): void
}

/**
 * Tabs of one origin share their storage, so two tabs restore the same saved
 * sync identity. Two live tabs writing under one client id and counter would
 * make colliding change ids, and the relay applies each id once: one tab's
 * edit would be silently lost. Each tab therefore holds an exclusive tab lock
 * on its identity; a tab that finds its restored identity held takes a new one.
 *
 * `locks` is undefined where there are no tabs to collide (Node, React Native
 * without an injected lock): every claim then succeeds at once.
 */
export function createIdentityClaim(room: string, locks: TabLocks | undefined): IdentityClaim {
  let letGo: (() => void) | undefined
  const abort = new AbortController()
  return {
    hold(clientId, timeoutMs) {
      if (!locks) return Promise.resolve(true)
      return new Promise<boolean>((resolve) => {
        const attempt = new AbortController()
        const onStop = () => attempt.abort()
        abort.signal.addEventListener('abort', onStop, { once: true })
        const timer =
          timeoutMs === undefined ? undefined : setTimeout(() => attempt.abort(), timeoutMs)
        locks
          .request(
            `patchwire:sync:${room}:${clientId}`,
            { mode: 'exclusive', signal: attempt.signal },
            () => {
              clearTimeout(timer)
              abort.signal.removeEventListener('abort', onStop)
              resolve(true)
              return new Promise<void>((release) => {
                letGo = release
                if (abort.signal.aborted) release()
              })
            },
          )
          .catch(() => {
            clearTimeout(timer)
            resolve(false)
          })
      })
    },
    release() {
      abort.abort()
      letGo?.()
    },
  }
}

/** Web Locks when the environment has them (browsers). */
export function webLocks(): TabLocks | undefined {
  const nav = (globalThis as { navigator?: { locks?: TabLocks } }).navigator
  return nav?.locks && typeof nav.locks.request === 'function' ? nav.locks : undefined
}
