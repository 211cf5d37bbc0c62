import type { UnknownAction } from '@reduxjs/toolkit'
import { optionError } from '../../../src/optionError'

/** What `confirmed` accepts besides the action. */
export interface ConfirmedOptions {
  /**
   * Connected time (ms) the relay may take to accept the change; past it the
   * change is rolled back and the promise rejects with code `'timeout'`.
   * Time spent offline does not count (see `whenOffline`).
   * @defaultValue the sync middleware's `pendingTimeoutMs` (no limit when that is unset)
   */
  timeoutMs?: number
  /**
   * `true` shows the change at once (rolled back if refused); `false` pushes it
   * but shows it only when the relay accepted it, as the relay's own change.
   * @defaultValue true
   */
  optimistic?: boolean
  /**
   * `'wait'` keeps the change in the outbox while offline and confirms it after
   * the reconnect; `'reject'` rolls it back and rejects with code `'offline'`
   * when the relay cannot be reached at dispatch time or the connection drops
   * before the answer.
   * @defaultValue 'wait'
   */
  whenOffline?: 'wait' | 'reject'
}

/** One change a confirmed write produced, as the relay accepted it. */
export interface ConfirmedChange {
  room: string
  id: string
  seq: number
}

/**
 * What `await dispatch(confirmed(action))` resolves with. `seq` is the relay
 * sequence of the last accepted change, or `null` when the action changed no
 * synced key (nothing to confirm, so it resolves at once).
 */
export interface ConfirmedResult {
  seq: number | null
  changes: ConfirmedChange[]
}

declare const confirmedBrand: unique symbol

/**
 * An action wrapped by `confirmed`. Typed as promise-like because Redux types
 * `dispatch(action)` as returning its argument: so `await store.dispatch(confirmed(a))`
 * is a `ConfirmedResult` with any store typing. Only `dispatch` returns the
 * promise; the action object itself is plain.
 */
export type ConfirmedAction<A extends UnknownAction = UnknownAction> = A &
  PromiseLike<ConfirmedResult> & {
    readonly [confirmedBrand]: true
  }

interface ResolvedConfirmedOptions {
  timeoutMs: number | undefined
  optimistic: boolean
  whenOffline: 'wait' | 'reject'
}

// Options ride under a symbol key: object spread keeps them when a middleware
// copies the action (patchwireMiddleware stamps applyPatch), while JSON,
// DevTools and the serializability check, which see string keys only, see
// the plain action.
const CONFIRMED: unique symbol = Symbol('patchwire.confirmed')

const misuse = (option: string, expected: string, received: unknown) =>
  optionError('confirmed', option, expected, received)

/**
 * Wraps an action so that dispatching it returns a promise of the relay's
 * verdict on the change(s) it makes to synced keys. It resolves with the
 * accepted sequence, or rejects with a `PatchwireError` whose code is
 * `'schema'`, `'stale'`, `'forbidden'` (or another relay reason), `'timeout'`
 * or `'offline'`; a rejected write has been rolled back. An action that
 * changes no synced key resolves at once with `{ seq: null }`.
 *
 * Needs a `sync` middleware in the store (in `'primary'` mode).
 *
 * @example
 * ```ts
 * try {
 *   const { seq } = await store.dispatch(confirmed(cart.actions.checkout(), { timeoutMs: 5000 }))
 * } catch (err) {
 *   if (err instanceof PatchwireError && err.code === 'timeout') showRetry()
 * }
 * ```
 */
export function confirmed<A extends UnknownAction>(
  action: A,
  options: ConfirmedOptions = {},
): ConfirmedAction<A> {
  if (action === null || typeof action !== 'object' || typeof action.type !== 'string')
    throw misuse('action', 'a plain action with a string type', action)
  const { timeoutMs, optimistic = true, whenOffline = 'wait' } = options
  if (timeoutMs !== undefined && !(timeoutMs > 0))
    throw misuse('timeoutMs', 'a number > 0', timeoutMs)
  if (typeof optimistic !== 'boolean') throw misuse('optimistic', 'a boolean', optimistic)
  if (whenOffline !== 'wait' && whenOffline !== 'reject')
    throw misuse('whenOffline', "'wait' or 'reject'", whenOffline)
  let copy: UnknownAction = { ...action }
  if (!optimistic) {
    // Subscribers are told about this action only together with the sync
    // middleware's undo of it (also auto-batched), so no render shows it.
    const meta = action.meta !== null && typeof action.meta === 'object' ? action.meta : {}
    copy = { ...copy, meta: { ...meta, RTK_autoBatch: true } }
  }
  Object.assign(copy, { [CONFIRMED]: { timeoutMs, optimistic, whenOffline } })
  return copy as unknown as ConfirmedAction<A>
}

/** The options of an action made by `confirmed`, or `undefined` for any other action. */
export function readConfirmed(action: unknown): ResolvedConfirmedOptions | undefined {
  return action !== null && typeof action === 'object'
    ? (action as { [CONFIRMED]?: ResolvedConfirmedOptions })[CONFIRMED]
    : undefined
}
