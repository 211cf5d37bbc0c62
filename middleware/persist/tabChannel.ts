/** What a tab tells the others after writing. */
export interface TabWriteNotice {
  writer: string
  keys: string[]
}

/** A channel between tabs persisting the same `key`. */
export interface TabChannel {
  post(notice: TabWriteNotice): void
  close(): void
}

function isNotice(data: unknown): data is TabWriteNotice {
  const n = data as TabWriteNotice
  return (
    n !== null &&
    typeof n === 'object' &&
    typeof n.writer === 'string' &&
    Array.isArray(n.keys) &&
    n.keys.every((k) => typeof k === 'string')
  )
}

/**
 * Opens `patchwire:persist:<key>` on a `BroadcastChannel`, or returns
 * `undefined` where there is none. A notice only says which keys changed:
 * receivers read the entries from storage and check their stamps, so a
 * forged or stale notice cannot make a tab adopt anything older.
 */
export function openTabChannel(
  key: string,
  onNotice: (notice: TabWriteNotice) => void,
): TabChannel | undefined {
  if (typeof BroadcastChannel !== 'function') return undefined
  const channel = new BroadcastChannel(`patchwire:persist:${key}`)
  channel.onmessage = (event: MessageEvent) => {
    if (isNotice(event.data)) onNotice(event.data)
  }
  return {
    post: (notice) => {
      try {
        channel.postMessage(notice)
      } catch {
        // Closed by stop() while its last flush was still running: nobody left to tell.
      }
    },
    close: () => channel.close(),
  }
}
