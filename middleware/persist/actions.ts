import { createAction } from '@reduxjs/toolkit'
import { PATCHWIRE_PREFIX } from '../../src/actions'

/** Names the persisted state an action is for; without `key`, every `persist` middleware of the store acts. */
export interface PersistTarget {
  key?: string
}

const withTarget = (target: PersistTarget = {}) => ({ payload: target })

/**
 * Writes pending changes now. `dispatch(persistFlush())` returns a promise that
 * settles once every write it started has finished (errors are reported, never thrown).
 *
 * @example
 * ```ts
 * await store.dispatch(persistFlush())
 * ```
 */
export const persistFlush = createAction(`${PATCHWIRE_PREFIX}/persist/flush`, withTarget)

/**
 * Lets a key that became read-only after a failed load be written again.
 * The next changes overwrite what is stored.
 *
 * @example
 * ```ts
 * store.dispatch(persistUnlock({ key: 'cart' }))
 * ```
 */
export const persistUnlock = createAction(`${PATCHWIRE_PREFIX}/persist/unlock`, withTarget)

/**
 * Runs the load again after it failed or timed out; the key stays read-only until it succeeds.
 *
 * @example
 * ```ts
 * store.dispatch(persistRetryLoad({ key: 'cart' }))
 * ```
 */
export const persistRetryLoad = createAction(`${PATCHWIRE_PREFIX}/persist/retryLoad`, withTarget)

/**
 * Teardown: writes what is pending, then stops (no more writes, timers, page
 * and tab listeners removed). `dispatch(persistStop())` returns a promise that
 * settles once the last writes finished.
 *
 * @example
 * ```ts
 * await store.dispatch(persistStop())
 * ```
 */
export const persistStop = createAction(`${PATCHWIRE_PREFIX}/persist/stop`, withTarget)

export type PersistFlushAction = ReturnType<typeof persistFlush>
export type PersistStopAction = ReturnType<typeof persistStop>
