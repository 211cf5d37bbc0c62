import type { MiddlewareAPI, UnknownAction } from '@reduxjs/toolkit'
import type { StandardSchemaV1 } from '@standard-schema/spec'
import { type PatchRejectedPayload, patchRejected } from '../../src/actions'
import { optionError } from '../../src/optionError'
import { type AnySchema, createSchemaGate } from '../../src/schemaGate'
import { reduceChanges } from '../../src/withPatchwire'
import { getStoreHub } from '../storeHub'
import { streamError } from './actions'
import { createPollRunner } from './pollRunner'
import { createStreamRunner } from './runner'
import type { StreamSink } from './sink'
import { checkOptions } from './stream'
import type { StreamOptions, StreamSource } from './types'

/**
 * The part of RTK Query's `onCacheEntryAdded` lifecycle API the helper uses.
 * Written out here so patchwire needs no runtime import of `@reduxjs/toolkit/query`.
 */
export interface CacheEntryLifecycle<Data> {
  dispatch(action: UnknownAction): unknown
  getState(): unknown
  getCacheEntry(): { data?: Data | undefined }
  updateCachedData(recipe: (draft: Data) => Data): unknown
  cacheDataLoaded: PromiseLike<{ data: Data }>
  cacheEntryRemoved: PromiseLike<void>
}

/**
 * Options of `streamIntoCache`: the source options of `stream` (exactly one of
 * `source`, `url`, `connect`) plus the cache entry's schema. `id`, `url` and
 * `connect` may depend on the endpoint's argument.
 */
export interface StreamIntoCacheOptions<S extends AnySchema, Arg>
  extends Omit<StreamOptions, 'id' | 'url' | 'connect' | 'autoStart' | 'statusKey' | 'cursor'> {
  /**
   * Names the stream's status entry (`selectStreamStatus(state, id)`): one per cache entry,
   * so a function of the argument unless the endpoint has a single entry. An entry added
   * while another entry of the store streams under the same id keeps its loaded data but
   * gets no stream: a `streamError` (and `onError`) says so.
   */
  id: string | ((arg: Arg) => string)
  /** Validates the cache entry's data after each chunk; an invalid chunk leaves it as it was. */
  schema: S
  /** Fetches this URL (with `Last-Event-ID` and `?<sinceParam>=` from the cursor). */
  url?: string | URL | ((arg: Arg) => string | URL)
  /** Builds a source from the last applied cursor; called again on every reconnect. */
  connect?: (
    cursor: string | null,
    signal: AbortSignal,
    arg: Arg,
  ) => StreamSource | Promise<StreamSource>
  /**
   * The cursor the loaded data already contains (a snapshot's last event id), so
   * the stream resumes after it. @defaultValue undefined: the first connection carries none
   */
  cursor?: (data: StandardSchemaV1.InferOutput<S>, arg: Arg) => string | null | undefined
  /** Called for every chunk refused (schema, bad shape, bad path). */
  onPatchRejected?: (rejection: PatchRejectedPayload) => void
}

function misuse(option: string, expected: string, received: unknown): never {
  throw optionError('streamIntoCache', option, expected, received)
}

function checkCacheOptions(options: StreamIntoCacheOptions<AnySchema, never>): void {
  if (options === null || typeof options !== 'object') misuse('options', 'an object', options)
  const { id, url, schema } = options
  if (typeof id !== 'function' && (typeof id !== 'string' || id === '')) {
    misuse('id', 'a non-empty string or a function (arg) => string', id)
  }
  if (
    schema === null ||
    (typeof schema !== 'object' && typeof schema !== 'function') ||
    !('~standard' in schema)
  ) {
    misuse('schema', 'a Standard Schema (zod 4, valibot, arktype…)', schema)
  }
  for (const name of ['cursor', 'onPatchRejected'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function')
      misuse(name, 'a function', options[name])
  }
  // The stream options proper are checked by stream's own rules; per-argument
  // values stand in for a placeholder until an argument exists.
  // `cursor` here reads the loaded data; it is not stream's rendered cursor.
  const { cursor: _cursor, ...streamLike } = options
  checkOptions({
    ...streamLike,
    id: typeof id === 'string' ? id : 'id',
    url: typeof url === 'function' ? 'http://placeholder.invalid/' : url,
  } as unknown as StreamOptions)
}

function toStreamOptions<Arg>(
  options: StreamIntoCacheOptions<AnySchema, Arg>,
  arg: Arg,
): StreamOptions {
  const {
    id,
    url,
    connect,
    schema: _schema,
    cursor: _cursor,
    onPatchRejected: _,
    ...rest
  } = options
  const resolved: StreamOptions = { ...rest, id: typeof id === 'function' ? id(arg) : id }
  if (typeof resolved.id !== 'string' || resolved.id === '') {
    misuse('id', 'a function returning a non-empty string', resolved.id)
  }
  if (url !== undefined) resolved.url = typeof url === 'function' ? url(arg) : url
  if (connect !== undefined) resolved.connect = (cursor, signal) => connect(cursor, signal, arg)
  return resolved
}

/** Per store (keyed by its dispatch), the ids a cache entry streams under now. */
const liveIds = new WeakMap<object, Set<string>>()

/**
 * Feeds an RTK Query cache entry from a patchwire stream: use the function it
 * returns as an endpoint's `onCacheEntryAdded`. Once the entry's first data has
 * loaded, the stream runs with `stream`'s own connection loop (same sources,
 * reconnect from the cursor with the same backoff, status under `id` in the
 * `patchwire` slice). Each chunk (`{type: 'patch', ops}`, `{type: 'replace',
 * path?, value}`; a `replace` without a path sets the whole entry) applies to
 * the entry's data atomically, in order, and only when `schema` accepts the
 * result; a refused chunk is dispatched as `patchRejected` (stage `'client'`,
 * counted in the status slice) and given to `onPatchRejected`, and the stream
 * goes on. Removing the cache entry stops the stream and closes its connection;
 * a later entry under the same id starts its status over.
 *
 * @example
 * ```ts
 * const api = createApi({
 *   baseQuery: fetchBaseQuery({ baseUrl: '/api' }),
 *   endpoints: (build) => ({
 *     prices: build.query<Prices, string>({
 *       query: (market) => `/prices/${market}`,
 *       onCacheEntryAdded: streamIntoCache({
 *         id: (market) => `prices:${market}`,
 *         url: (market) => `/api/prices/${market}/stream`,
 *         format: 'sse',
 *         schema: Prices,
 *       }),
 *     }),
 *   }),
 * })
 * ```
 */
export function streamIntoCache<S extends AnySchema, Arg = void>(
  options: StreamIntoCacheOptions<S, Arg>,
): (arg: Arg, lifecycle: CacheEntryLifecycle<StandardSchemaV1.InferOutput<S>>) => Promise<void> {
  checkCacheOptions(options as unknown as StreamIntoCacheOptions<AnySchema, never>)
  const gate = createSchemaGate(options.schema)
  type Data = StandardSchemaV1.InferOutput<S>
  return async (arg, lifecycle) => {
    const streamOptions = toStreamOptions(
      options as unknown as StreamIntoCacheOptions<AnySchema, Arg>,
      arg,
    )
    const { id } = streamOptions
    // The ids streaming into a cache entry of this store now (its dispatch is the store's).
    let live = liveIds.get(lifecycle.dispatch)
    if (!live) {
      live = new Set()
      liveIds.set(lifecycle.dispatch, live)
    }
    if (live.has(id)) {
      // Two entries under one id would write one status entry: the second gets its
      // loaded data and no stream, and says why, rather than throwing out of RTK Query.
      const info = {
        id,
        message: `streamIntoCache: "${id}" already streams into another cache entry; give each argument its own id.`,
        attempt: 1,
        nextRetryAt: null,
      }
      lifecycle.dispatch(streamError(info))
      options.onError?.(info)
      return
    }
    live.add(id)
    try {
      await streamEntry(arg, lifecycle, streamOptions)
    } finally {
      live.delete(id)
    }
  }

  async function streamEntry(
    arg: Arg,
    lifecycle: CacheEntryLifecycle<Data>,
    streamOptions: StreamOptions,
  ): Promise<void> {
    const now = streamOptions.now ?? Date.now
    let removed = false
    const report = (payload: PatchRejectedPayload) => {
      lifecycle.dispatch(patchRejected(payload))
      options.onPatchRejected?.(payload)
    }
    const sink: StreamSink = {
      getState: () => lifecycle.getCacheEntry().data,
      statusKey: null,
      apply: (changes) => {
        // A batch flushed while stopping has no entry left to land in.
        if (removed) return
        const base = lifecycle.getCacheEntry().data
        const { state, outcome } = reduceChanges(base, changes, gate, null)
        // One update per batch: the entry moves from one valid state to the next.
        if (state !== base) lifecycle.updateCachedData(() => state as Data)
        for (const r of outcome.rejected) {
          report({
            change: r.change,
            source: 'stream',
            reason: r.reason,
            issues: r.issues,
            stage: 'client',
            at: now(),
          })
        }
      },
    }
    const api = lifecycle as unknown as MiddlewareAPI
    const runner = streamOptions.poll
      ? createPollRunner(api, streamOptions, getStoreHub(api), sink)
      : createStreamRunner(api, streamOptions, getStoreHub(api), sink)
    // Each cache entry streams on its own: from the moment it is added its status is its
    // own, not the figures of an entry removed before it under the same id.
    runner.resetStatus()
    let loaded: { data: Data }
    try {
      loaded = await lifecycle.cacheDataLoaded
    } catch {
      // Removed before any data arrived: there is nothing to stream into.
      return
    }
    const from = options.cursor?.(loaded.data, arg)
    if (typeof from === 'string') runner.restoreCursor(from)
    runner.start()
    await lifecycle.cacheEntryRemoved
    removed = true
    runner.stop()
  }
}
