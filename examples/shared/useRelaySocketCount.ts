import { useEffect, useState } from 'react'

/** How often the status line asks the relay for its socket count. */
const EVERY_MS = 2000

/**
 * The number of sockets connected to the relay that served this page, from its
 * `GET /healthz` (`sockets`), refreshed every 2 s; undefined until the first
 * answer. With `shareConnection`, every tab of this browser counts once.
 */
export function useRelaySocketCount(): number | undefined {
  const [count, setCount] = useState<number>()
  useEffect(() => {
    let live = true
    const read = () =>
      fetch('/healthz')
        .then((res) => res.json() as Promise<{ sockets?: unknown }>)
        .then((health) => {
          if (live && typeof health.sockets === 'number') setCount(health.sockets)
        })
        // The relay is restarting or gone; the next round asks again.
        .catch(() => {})
    void read()
    const timer = setInterval(read, EVERY_MS)
    return () => {
      live = false
      clearInterval(timer)
    }
  }, [])
  return count
}
