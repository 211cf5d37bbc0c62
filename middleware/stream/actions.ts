import { createAction } from '@reduxjs/toolkit'
import { PATCHWIRE_PREFIX } from '../../src/actions'
import type { StreamErrorInfo } from './types'

// The creators are marked pure: a bundler keeps any call to an imported function
// unless told it has no side effects, and would keep every creator an app never uses.

/**
 * Asks the stream `id` to start (or resume from its cursor). Dispatch it when `autoStart` is false
 * or after a `streamStop`.
 *
 * @example
 * ```ts
 * store.dispatch(streamStart({ id: 'prices' }))
 * ```
 */
export const streamStart = /* @__PURE__ */ createAction<{ id: string }>(
  `${PATCHWIRE_PREFIX}/streamStart`,
)

/**
 * Asks the stream `id` to stop: the connection closes and no reconnect is scheduled.
 *
 * @example
 * ```ts
 * store.dispatch(streamStop({ id: 'prices' }))
 * ```
 */
export const streamStop = /* @__PURE__ */ createAction<{ id: string }>(
  `${PATCHWIRE_PREFIX}/streamStop`,
)

/**
 * Dispatched by the stream middleware when a stream starts, with the cursor it resumes from.
 *
 * @example
 * ```ts
 * builder.addCase(streamStarted, (state, { payload }) => { state.live = payload.id })
 * ```
 */
export const streamStarted = /* @__PURE__ */ createAction<{ id: string; cursor: string | null }>(
  `${PATCHWIRE_PREFIX}/streamStarted`,
)

/**
 * Dispatched by the stream middleware when a stream stops for good (a stop action,
 * or the end of a stream that does not reconnect), with its last applied cursor.
 *
 * @example
 * ```ts
 * builder.addCase(streamStopped, (state, { payload }) => { state.cursor = payload.cursor })
 * ```
 */
export const streamStopped = /* @__PURE__ */ createAction<{ id: string; cursor: string | null }>(
  `${PATCHWIRE_PREFIX}/streamStopped`,
)

/**
 * Dispatched by the stream middleware when a connection fails, with when it retries.
 *
 * @example
 * ```ts
 * builder.addCase(streamError, (state, { payload }) => { state.error = payload.message })
 * ```
 */
export const streamError = /* @__PURE__ */ createAction<StreamErrorInfo>(
  `${PATCHWIRE_PREFIX}/streamError`,
)
