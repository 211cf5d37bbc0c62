/** What `offlineSwitch` returns. */
export interface OfflineSwitch {
  /** Whether this tab runs offline. */
  readonly offline: boolean
  /** The relay URL to give `sync` in this tab's mode. */
  readonly relayUrl: string
  /**
   * Remembers the choice for this tab and reloads it into that mode, after
   * `beforeReload` settled (the cart flushes persist there).
   */
  set(offline: boolean, beforeReload?: () => unknown): void
}

/**
 * A Socket.IO namespace the relay does not serve: the relay refuses a
 * connection to it ("Invalid namespace") as if it could not be reached.
 */
const NOWHERE = '/offline'

/**
 * Simulates losing the network in one tab. With one relay connection per
 * browser (`shareConnection`) a tab has no socket of its own to hold down, and
 * real network loss would take every tab offline at once; so the switch picks
 * the mode a tab starts in. Online, the tab shares the browser's connection;
 * offline, its sync connects to a namespace the relay refuses, so its edits
 * wait in its outbox (and in storage) like on a dead network, while the other
 * tabs stay live. The choice is kept per tab in sessionStorage under `key`, so
 * a reload while offline stays offline; changing it reloads the tab.
 */
export function offlineSwitch(key: string): OfflineSwitch {
  const offline = sessionStorage.getItem(key) === '1'
  return {
    offline,
    relayUrl: offline ? `${location.origin}${NOWHERE}` : location.origin,
    set(next, beforeReload) {
      sessionStorage.setItem(key, next ? '1' : '0')
      void Promise.resolve()
        .then(beforeReload)
        .finally(() => location.reload())
    },
  }
}
