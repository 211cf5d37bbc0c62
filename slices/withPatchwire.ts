import type {
  Action,
  PreloadedStateShapeFromReducersMapObject,
  Reducer,
  ReducersMapObject,
  StateFromReducersMapObject,
} from '@reduxjs/toolkit'
import type { ApplyPatchAction } from '../src/actions'
import { describeValue, PatchwireError } from '../src/errors'
import {
  PATCHWIRE_KEY,
  type WithPatchwireOptions,
  withPatchwire as withSink,
} from '../src/withPatchwire'
import { type PatchwireStatusState, patchwireReducer } from './patchwireSlice'

// The sink (src/withPatchwire.ts) knows nothing of the status slice: src/ never
// imports slices/. This is the public wrapper, one floor up, that mounts it.

// biome-ignore lint/suspicious/noExplicitAny: the widest reducer, as redux's own `combineReducers` writes it
type AnyReducer = Reducer<any, any, any>

/** A reducer map with the status slice mounted under `K`. */
type WithStatus<M, K extends string> = M & { [P in K]: Reducer<PatchwireStatusState> }

/**
 * Makes the root reducer handle `applyPatch` and mounts the `patchwire`
 * status slice. Given a reducer map, it combines it and adds the status slice
 * under `statusKey` itself (listing `patchwire: patchwireReducer` yourself, as
 * 0.1 required, is still accepted). Given a slice reducer or a hand-written
 * root reducer, it wraps it as it is: mount `patchwireReducer` in it yourself
 * if you want the status slice.
 *
 * Each change of an `applyPatch` applies atomically; with a `schema`, the state
 * it would produce is validated first and an invalid change leaves state as it
 * was. The wrapped reducer then sees the action too, so slices (and the status
 * slice, which counts outcomes) can react to it. Pair it with
 * `patchwireMiddleware()` to turn refusals into visible `patchRejected` actions.
 *
 * @example
 * ```ts
 * const store = configureStore({
 *   reducer: withPatchwire({ cart: cartSlice.reducer }, { schema: AppState }),
 *   middleware: (gDM) => gDM().concat(patchwireMiddleware()),
 * })
 * store.getState().patchwire.counters.applied
 * ```
 */
export function withPatchwire<M extends ReducersMapObject, K extends string = typeof PATCHWIRE_KEY>(
  reducers: M,
  options?: WithPatchwireOptions & { statusKey?: K },
): M[keyof M] extends AnyReducer | undefined
  ? Reducer<
      StateFromReducersMapObject<WithStatus<M, K>>,
      Action | ApplyPatchAction,
      Partial<PreloadedStateShapeFromReducersMapObject<WithStatus<M, K>>>
    >
  : never
export function withPatchwire<R extends AnyReducer>(
  reducer: R,
  options?: WithPatchwireOptions,
): R extends Reducer<infer S, infer A, infer P> ? Reducer<S, A | ApplyPatchAction, P> : never
export function withPatchwire(
  reducer: AnyReducer | ReducersMapObject,
  options: WithPatchwireOptions = {},
): AnyReducer {
  if (typeof reducer === 'function') return withSink(reducer, options)
  if (reducer === null || typeof reducer !== 'object') {
    throw new PatchwireError(
      'option',
      `withPatchwire: reducer must be a reducer function or a map of slice reducers, received ${describeValue(reducer)}.`,
      { option: 'reducer', received: describeValue(reducer) },
    )
  }
  const statusKey = options.statusKey ?? PATCHWIRE_KEY
  const given = (reducer as Record<string, unknown>)[statusKey]
  if (given !== undefined && given !== patchwireReducer) {
    throw new PatchwireError(
      'option',
      `withPatchwire: reducer.${statusKey} is where the status slice goes; leave it out (it is mounted for you) or give patchwireReducer, received ${describeValue(given)}.`,
      { option: `reducer.${statusKey}`, received: describeValue(given) },
    )
  }
  return withSink({ ...reducer, [statusKey]: patchwireReducer }, options)
}
