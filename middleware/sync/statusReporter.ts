import type { Dispatch } from '@reduxjs/toolkit'
import { type SyncStatus, syncStatusChanged } from '../../slices/patchwireSlice'
import type { SyncStatusReport } from './types'

/** Reports a room's sync status to the status slice and `onStatus`. */
export interface StatusReporter {
  /** Connection changes, errors and `pending` reaching or leaving 0 go out at once; the rest is coalesced. */
  set(fields: Partial<SyncStatus>, urgent?: boolean): void
  stop(): void
}

/**
 * Coalesces status updates: a burst of relay changes moves `lastSeq` and
 * `pending` many times, but only the latest values are dispatched, once per
 * `throttleMs`, so status actions do not double the action count.
 *
 * @example
 * ```ts
 * const status = createStatusReporter('chat', api.dispatch, 50)
 * status.set({ connection: 'live' }, true)
 * ```
 */
export function createStatusReporter(
  room: string,
  dispatch: Dispatch,
  throttleMs: number,
  onStatus?: (status: SyncStatusReport) => void,
): StatusReporter {
  const current: SyncStatus = {
    connection: 'idle',
    lastSeq: 0,
    pending: 0,
    lagMs: null,
    lastError: null,
  }
  let queued: Partial<SyncStatus> | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  let stopped = false

  const flush = () => {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    if (!queued || stopped) return
    const fields = queued
    queued = undefined
    dispatch(syncStatusChanged({ room, ...fields }))
    onStatus?.({ room, ...current })
  }

  return {
    set(fields, urgent = false) {
      if (stopped) return
      // "Everything saved" and "something to save" are worth showing at once.
      if (fields.pending !== undefined && (fields.pending === 0) !== (current.pending === 0))
        urgent = true
      let changed = false
      for (const [key, value] of Object.entries(fields) as [keyof SyncStatus, never][]) {
        if (current[key] === value) continue
        current[key] = value
        queued = { ...queued, [key]: value }
        changed = true
      }
      if (!changed && !urgent) return
      if (urgent) flush()
      else timer ??= setTimeout(flush, throttleMs)
    },
    stop() {
      flush()
      stopped = true
    },
  }
}
