import { useMemo } from 'react'
import { shallowEqual, useSelector } from 'react-redux'
// Types only: the React entry reads the status slice's shape, never its code,
// so `patchwire/react` does not bundle the slice a second time.
import type {
  PatchwireCounters,
  PatchwireStatusState,
  PersistStatus,
  RejectionRecord,
  StreamStatus,
  SyncStatus,
} from '../../slices/patchwireSlice'
import { parsePointer, pathsOverlap } from '../pointer'
import type { PathSegment } from '../types'
import { PATCHWIRE_KEY } from '../withPatchwire'

/** Any store state that may hold the status slice under `patchwire`. */
export type StateWithPatchwire = { [PATCHWIRE_KEY]?: PatchwireStatusState }

const noCounters: PatchwireCounters = {
  applied: 0,
  ignoredStale: 0,
  gaps: 0,
  rejected: 0,
  parseErrors: 0,
  refetches: 0,
  schemaSkews: 0,
}
const noRejections: RejectionRecord[] = []
const none: Record<string, never> = {}

// A store without the status slice reads as "nothing known yet" rather than throwing during render.
export const selectStatus = (state: unknown): PatchwireStatusState | undefined =>
  (state as StateWithPatchwire)[PATCHWIRE_KEY]

function pick<T>(record: Record<string, T> | undefined, key: string | undefined): T | undefined {
  if (!record) return undefined
  return key === undefined ? Object.values(record)[0] : record[key]
}

/**
 * The status of a sync transport: connection (`idle → connecting → live → offline`),
 * last sequence, pending count, lag. Without `room`, the first transport's.
 *
 * @example
 * ```tsx
 * const sync = useSyncStatus('chat:lobby')
 * return <span>{sync?.connection ?? 'idle'}</span>
 * ```
 */
export function useSyncStatus(room?: string): SyncStatus | undefined {
  return useSelector((s: unknown) => pick(selectStatus(s)?.sync, room))
}

/**
 * The hydration state of a persisted key (`hydrating`, `ready`, `error`) and
 * its last save and error. Without `key`, the first key's.
 *
 * @example
 * ```tsx
 * const persist = usePersistStatus()
 * if (persist?.state === 'hydrating') return <Spinner />
 * ```
 */
export function usePersistStatus(key?: string): PersistStatus | undefined {
  return useSelector((s: unknown) => pick(selectStatus(s)?.persist, key))
}

/**
 * The state of a stream (`connecting`, `live`, `retrying`, `stopped`), its
 * cursor and chunk count. Without `id`, the first stream's.
 *
 * @example
 * ```tsx
 * const stream = useStreamStatus('metrics')
 * return <small>cursor {stream?.cursor ?? '–'}</small>
 * ```
 */
export function useStreamStatus(id?: string): StreamStatus | undefined {
  return useSelector((s: unknown) => pick(selectStatus(s)?.streams, id))
}

/** What `usePendingChanges` returns. */
export interface PendingChanges {
  /** Local changes not yet acknowledged by the relay, over every room. */
  count: number
  /**
   * Per room, only rooms with pending changes, with the JSON Pointers those
   * changes write (empty when the sync middleware does not report them).
   */
  rooms: { room: string; pending: number; paths: string[] }[]
}

/**
 * Local changes the relay has not acknowledged yet, in total and per room:
 * what an "unsaved" badge or an offline banner needs.
 *
 * @example
 * ```tsx
 * const { count } = usePendingChanges()
 * return count > 0 ? <span>{count} not yet synced</span> : null
 * ```
 */
export function usePendingChanges(): PendingChanges {
  const sync = useSelector((s: unknown) => selectStatus(s)?.sync ?? none)
  return useMemo(() => {
    const rooms = Object.entries(sync as Record<string, SyncStatus>)
      .filter(([, t]) => t.pending > 0)
      .map(([room, t]) => ({ room, pending: t.pending, paths: t.pendingPaths ?? [] }))
    return { count: rooms.reduce((n, r) => n + r.pending, 0), rooms }
  }, [sync])
}

function toSegments(path: string | readonly PathSegment[]): PathSegment[] | null {
  try {
    if (typeof path !== 'string') return path.slice()
    return path === '' || path.startsWith('/') ? parsePointer(path) : path.split('.')
  } catch {
    return null
  }
}

/**
 * True while a local change to `path` (or above or below it) waits for the
 * relay in any room, so a form can mark a field "saving…". `path` is a dotted
 * string (`'profile.name'`), a JSON Pointer or segments. It follows the sync
 * status, so it may lag a change by sync's `statusThrottleMs`.
 *
 * @example
 * ```tsx
 * const saving = useIsPending('profile.name')
 * return <input className={saving ? 'saving' : ''} />
 * ```
 */
export function useIsPending(path: string | readonly PathSegment[]): boolean {
  const wanted = useMemo(() => toSegments(path), [path])
  return useSelector((s: unknown) => {
    const sync = selectStatus(s)?.sync
    if (!sync || !wanted) return false
    return Object.values(sync).some((room) =>
      (room.pendingPaths ?? []).some((pointer) => {
        const segments = toSegments(pointer)
        return segments !== null && pathsOverlap(segments, wanted)
      }),
    )
  })
}

/**
 * patchwire's counters over every source: applied, rejected, stale drops, gaps,
 * parse errors, refetches, schema skews.
 *
 * @example
 * ```tsx
 * const { applied, rejected } = usePatchwireCounters()
 * ```
 */
export function usePatchwireCounters(): PatchwireCounters {
  return useSelector((s: unknown) => selectStatus(s)?.counters ?? noCounters, shallowEqual)
}

/**
 * The most recent refused changes (newest last), with their reason and the
 * validator's issues; the status slice keeps a bounded ring of them.
 *
 * @example
 * ```tsx
 * const last = useRecentRejections().at(-1)
 * if (last) console.warn(last.reason, last.issues)
 * ```
 */
export function useRecentRejections(): readonly RejectionRecord[] {
  return useSelector((s: unknown) => selectStatus(s)?.recentRejections ?? noRejections)
}

/**
 * True once every persisted key has finished loading (or failed), so the app
 * can hold back a screen that must not flash its initial state.
 *
 * @example
 * ```tsx
 * if (!useIsHydrated()) return <p>Loading…</p>
 * ```
 */
export function useIsHydrated(): boolean {
  return useSelector((s: unknown) =>
    Object.values(selectStatus(s)?.persist ?? none).every(
      (p: PersistStatus) => p.state !== 'hydrating',
    ),
  )
}

/**
 * The whole status slice, for panels that show everything at once. Prefer a
 * narrower hook in app code: this one re-renders on every status change.
 *
 * @example
 * ```tsx
 * const status = usePatchwireStatus()
 * ```
 */
export function usePatchwireStatus(): PatchwireStatusState | undefined {
  return useSelector(selectStatus)
}
