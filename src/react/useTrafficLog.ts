import { useSyncExternalStore } from 'react'
import { useStore } from 'react-redux'
import { getTrafficLog } from './trafficLog'
import type { TrafficEntry, TrafficLog } from './types'

const empty: readonly TrafficEntry[] = []
const noLog: TrafficLog = {
  entries: () => empty,
  subscribe: () => () => {},
  clear: () => {},
  watchSocket: () => () => {},
}

/**
 * The entries of the store's traffic log (oldest first), re-rendering as
 * changes flow. Pass a log explicitly, or let it find the one
 * `patchwireTrafficLog()` installed in the store from `<Provider>`; an empty
 * list when there is none.
 *
 * @example
 * ```tsx
 * const entries = useTrafficLog()
 * return <ul>{entries.map((e) => <li key={e.n}>{e.source} {e.ops.length} ops</li>)}</ul>
 * ```
 */
export function useTrafficLog(log?: TrafficLog): readonly TrafficEntry[] {
  const store = useStore()
  const source = log ?? getTrafficLog(store) ?? noLog
  return useSyncExternalStore(source.subscribe, source.entries, source.entries)
}
