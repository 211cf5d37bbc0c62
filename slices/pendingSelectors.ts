import { parsePointer, pathsOverlap } from '../src/pointer'
import type { PathSegment } from '../src/types'
import { PATCHWIRE_KEY } from '../src/withPatchwire'
import type { PatchwireStatusState } from './patchwireSlice'

function toSegments(path: string | readonly PathSegment[]): PathSegment[] {
  if (typeof path !== 'string') return path.slice()
  if (path === '' || path.startsWith('/')) return parsePointer(path)
  return path.split('.')
}

/**
 * True while a local change to `path` (or to a path above or below it) waits
 * for the relay, in any room: a UI can mark unsaved fields. `path` is an
 * array of segments, a dotted string (`'settings.theme'`) or a JSON Pointer
 * (`'/settings/theme'`). Updated with the sync status, so it lags a change by
 * up to `statusThrottleMs`.
 *
 * @example
 * ```ts
 * const dirty = useSelector((s) => selectIsPending(s, 'profile.name'))
 * ```
 */
export function selectIsPending(
  state: unknown,
  path: string | readonly PathSegment[],
  statusKey: string = PATCHWIRE_KEY,
): boolean {
  const status = (state as Record<string, PatchwireStatusState | undefined> | null)?.[statusKey]
  if (!status) return false
  const wanted = toSegments(path)
  for (const room of Object.values(status.sync)) {
    for (const pointer of room.pendingPaths ?? []) {
      if (pathsOverlap(parsePointer(pointer), wanted)) return true
    }
  }
  return false
}
