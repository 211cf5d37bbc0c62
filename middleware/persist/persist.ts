import type { Middleware, MiddlewareAPI } from '@reduxjs/toolkit'
import { persistStatusChanged } from '../../slices/patchwireSlice'
import { PatchwireError } from '../../src/errors'
import { createHlc } from '../../src/hlc'
import { getStoreHub, type StoreHub } from '../storeHub'
import {
  type PersistFlushAction,
  type PersistStopAction,
  persistFlush,
  persistRetryLoad,
  persistStop,
  persistUnlock,
} from './actions'
import { DURABLE_ENTRY, decodeEntry, entryKey, manifestKey } from './entry'
import { createPersistFilter } from './filter'
import { readStoredStateWithin, type StoredState } from './load'
import { resolvePersistOptions } from './options'
import { onPageHidden } from './pageEvents'
import { reportCorrupt, restoreValues } from './restore'
import { toStorageError } from './storageErrors'
import { openTabChannel, type TabChannel, type TabWriteNotice } from './tabChannel'
import type { PersistLoadResult, PersistOptions } from './types'
import { createPersistWriter, type WriterContext } from './writer'

/** `dispatch(persistFlush())` and `dispatch(persistStop())` return a promise that settles when the writes finished. */
export type PersistDispatch = (action: PersistFlushAction | PersistStopAction) => Promise<void>

/**
 * The middleware. Exactly `Middleware<PersistDispatch>`: RTK reads the
 * dispatch extension from that type argument, and any richer type (an
 * intersection with control methods) would hide it, so flush and teardown
 * are actions.
 */
export type PersistMiddleware = Middleware<PersistDispatch>

/**
 * Persists the store's state, one storage entry per top-level key, and
 * restores it on start as ONE `applyPatch` with `source: 'persist'`.
 *
 * Nothing is written before the stored state was read, validated and
 * migrated; a failed or slow load leaves the key read-only (stored data
 * untouched) until `persistRetryLoad` succeeds or `persistUnlock` is
 * dispatched. Only keys whose state changed (by reference) are rewritten,
 * debounced, one write at a time. Durable parts of other patchwire
 * middlewares (sync's outbox, stream cursors) are saved and restored too, and
 * sync and streams wait for the load without any wiring.
 *
 * @example
 * ```ts
 * import localforage from 'localforage'
 * const saver = persist({ storage: localforage, key: 'cart', version: 2, migrate: { 1: (s) => s } })
 * const store = configureStore({
 *   reducer: withPatchwire({ cart: cartSlice.reducer, patchwire: patchwireReducer }),
 *   // prepend: RTK types dispatch from the first middleware that claims an action (thunk claims all)
 *   middleware: (gDM) => gDM().prepend(saver).concat(patchwireMiddleware()),
 * })
 * await store.dispatch(persistFlush())
 * await store.dispatch(persistStop()) // teardown
 * ```
 */
export function persist(options: PersistOptions): PersistMiddleware {
  const cfg = resolvePersistOptions(options)
  const filter = createPersistFilter(cfg.allow, cfg.deny, cfg.statusKey)
  const clock = createHlc(cfg.writerId, { wallClock: cfg.now })
  let api: MiddlewareAPI | undefined
  let hub: StoreHub | undefined
  let phase: 'loading' | 'ready' | 'failed' = 'loading'
  let readOnly = false
  let stopped = false
  let generation = 0
  let durableDirty = false
  let timer: ReturnType<typeof setTimeout> | undefined
  let cancelLoad = () => {}
  let firstDirtyAt: number | undefined
  let tabs: TabChannel | undefined
  let chain: Promise<void> = Promise.resolve()
  const cleanups: (() => void)[] = []
  // The state as of the last real dispatch: DevTools time travel changes what
  // getState returns without dispatching, and must never be persisted.
  let observed: unknown
  const getState = () => (observed ?? api?.getState() ?? {}) as Record<string, unknown>

  const ctx: WriterContext = {
    cfg,
    filter,
    clock,
    getState,
    lastWritten: new Map(),
    known: new Map(),
    durableParts: () => hub?.durableParts() ?? new Map(),
    storedDurable: {},
    adopt(topKey, text, header) {
      let data: unknown
      try {
        data = decodeEntry(entryKey(cfg.key, cfg.version, topKey), text, cfg.deserialize).data
      } catch {
        return false // a corrupt entry from another writer is not worth keeping over our valid state
      }
      ctx.known.set(topKey, header.at)
      if (!api || !restoreValues(api, cfg, filter, new Map([[topKey, data]])).restored.length)
        return false
      ctx.lastWritten.set(topKey, getState()[topKey])
      return true
    },
  }
  const writer = createPersistWriter(ctx)

  const status = (fields: Omit<Parameters<typeof persistStatusChanged>[0], 'key'>) =>
    api?.dispatch(persistStatusChanged({ key: cfg.key, ...fields }))
  const report = (error: Error) => {
    try {
      cfg.onSaveError?.(error)
    } catch {
      // A throwing callback must not stop persistence.
    }
  }
  const notifyLoad = (result: PersistLoadResult) => {
    try {
      cfg.onLoad?.(result)
    } catch (err) {
      report(err instanceof Error ? err : new Error(String(err)))
    }
  }
  const snapshotWritten = () => {
    const state = getState()
    for (const k of filter.keys(state)) ctx.lastWritten.set(k, state[k])
  }

  async function runWrite(): Promise<void> {
    if (phase !== 'ready' || readOnly || !api) return
    const durable = durableDirty
    durableDirty = false
    const result = await writer.writeChanged(durable)
    if (durable && !result.written.includes(DURABLE_ENTRY)) durableDirty = true
    const keys = result.written.filter((k) => k !== DURABLE_ENTRY)
    if (keys.length > 0) tabs?.post({ writer: cfg.writerId, keys })
    for (const e of result.errors) report(e)
    const last = result.errors.at(-1)
    const savedAt = result.written.length > 0 ? { lastSavedAt: cfg.now() } : {}
    if (last) status({ state: 'error', lastError: last.message, ...savedAt })
    else if (result.written.length > 0) status({ state: 'ready', lastError: null, ...savedAt })
  }

  function flush(): Promise<void> {
    clearTimeout(timer)
    timer = undefined
    firstDirtyAt = undefined
    chain = chain.then(runWrite).catch((err: unknown) => report(err as Error))
    return chain
  }

  function checkDirty(): void {
    if (phase !== 'ready' || readOnly || stopped) return
    const state = getState()
    if (!durableDirty && filter.keys(state).every((k) => state[k] === ctx.lastWritten.get(k)))
      return
    const now = cfg.now()
    firstDirtyAt ??= now
    clearTimeout(timer)
    const wait = Math.max(0, Math.min(cfg.debounceMs, firstDirtyAt + cfg.maxWaitMs - now))
    timer = setTimeout(() => void flush(), wait)
  }

  function failLoad(err: unknown): void {
    const error = toStorageError(err, manifestKey(cfg.key, cfg.version), 'read')
    phase = 'failed'
    readOnly = true
    snapshotWritten()
    status({ state: 'error', lastError: error.message, readOnly: true })
    report(error)
    notifyLoad({ key: cfg.key, ok: false, restored: [], rejected: [], error })
  }

  function finishLoad(stored: StoredState): void {
    if (!api) return
    for (const { topKey, error } of stored.corrupt) {
      reportCorrupt(api, cfg, topKey, error)
      report(error)
    }
    const outcome = restoreValues(api, cfg, filter, stored.values)
    ctx.storedDurable = stored.durable ?? {}
    for (const [name, part] of ctx.durableParts()) {
      if (!Object.hasOwn(ctx.storedDurable, name)) continue
      try {
        part.restore(ctx.storedDurable[name])
      } catch (err) {
        report(toStorageError(err, entryKey(cfg.key, cfg.version, DURABLE_ENTRY), 'read'))
      }
    }
    writer.manifestKeys = new Set(stored.manifestKeys)
    for (const [k, h] of stored.headers) {
      ctx.known.set(k, h.at)
      clock.receive(h.at)
    }
    const moved = stored.migratedFrom !== undefined || stored.imported === true
    snapshotWritten()
    // Migrated or imported values are not stored under this version yet: leave them dirty.
    if (moved) for (const k of outcome.restored) ctx.lastWritten.delete(k)
    if (moved && stored.durable) durableDirty = true
    phase = 'ready'
    readOnly = false
    status({ state: 'ready', lastError: null, readOnly: false })
    const rejected = [...outcome.rejected, ...stored.corrupt.map((c) => c.topKey)]
    notifyLoad({
      key: cfg.key,
      ok: true,
      restored: outcome.restored,
      rejected,
      ...(stored.migratedFrom !== undefined ? { migratedFrom: stored.migratedFrom } : {}),
      ...(stored.imported ? { imported: true } : {}),
    })
    if (!moved) {
      checkDirty()
      return
    }
    // Old entries go only once every migrated key is safely written under the new version.
    const obsolete = rejected.length === 0 ? stored.obsolete : []
    chain = chain.then(async () => {
      await runWrite()
      if (obsolete.length === 0 || outcome.restored.some((k) => !ctx.lastWritten.has(k))) return
      for (const e of await writer.remove(obsolete)) report(e)
    })
  }

  async function load(): Promise<void> {
    const gen = ++generation
    phase = 'loading'
    status({ state: 'hydrating' })
    const reading = readStoredStateWithin(
      { ...cfg, importReduxPersist: cfg.importReduxPersist },
      cfg.loadTimeoutMs,
    )
    cancelLoad = reading.cancel
    let stored: StoredState
    try {
      stored = await reading.result
    } catch (err) {
      if (gen === generation && !stopped) failLoad(err)
      return
    }
    if (gen === generation && !stopped) finishLoad(stored)
  }

  function adoptNotified(notice: TabWriteNotice): void {
    if (notice.writer === cfg.writerId || phase !== 'ready' || readOnly || stopped) return
    const persisted = new Set(filter.keys(getState()))
    const keys = notice.keys.filter((k) => persisted.has(k))
    chain = chain.then(async () => {
      for (const e of await writer.adoptNewer(keys)) report(e)
    })
  }

  function unlock(): void {
    if (phase === 'ready' && !readOnly) return
    generation++ // a load still running must not restore over what the app now writes
    if (phase === 'loading') snapshotWritten()
    phase = 'ready'
    readOnly = false
    status({ state: 'ready', readOnly: false, lastError: null })
    checkDirty()
  }

  function stop(): Promise<void> {
    const done = flush()
    stopped = true
    cancelLoad()
    for (const c of cleanups.splice(0)) c()
    return done.then(() => clearTimeout(timer))
  }

  const targets = (action: { payload: { key?: string } }) =>
    action.payload.key === undefined || action.payload.key === cfg.key

  const middleware: PersistMiddleware = (storeApi) => {
    if (api) {
      throw new PatchwireError(
        'option',
        `persist("${cfg.key}") is already installed in a store; create one per store.`,
        {
          option: 'persist',
          received: 'a second store',
        },
      )
    }
    api = storeApi
    hub = getStoreHub(storeApi)
    // Unversioned: sync's outboxes are its own format and must survive a migration of the state.
    hub.provideStorage({ storage: cfg.storage, prefix: `patchwire:${cfg.key}` })
    cleanups.push(
      hub.onDurableChanged(() => {
        durableDirty = true
        checkDirty()
      }),
    )
    cleanups.push(onPageHidden(() => void flush()))
    if (cfg.notifyTabs) tabs = openTabChannel(cfg.key, adoptNotified)
    cleanups.push(() => tabs?.close())
    // Dispatching is not allowed while middleware is being built: load after a microtask.
    hub.addHydration(Promise.resolve().then(load))
    return (next) => (action) => {
      if ((persistFlush.match(action) || persistStop.match(action)) && targets(action)) {
        const rest = next(action)
        const done = persistStop.match(action) ? stop() : flush()
        return Promise.all([done, rest]).then(() => undefined)
      }
      const result = next(action)
      observed = storeApi.getState()
      if (persistUnlock.match(action) && targets(action)) unlock()
      else if (persistRetryLoad.match(action) && targets(action) && phase === 'failed')
        hub?.addHydration(load())
      else checkDirty()
      return result
    }
  }

  return middleware
}

/** Another name for `persist`, in the `create…Middleware` style of the other middlewares. */
export const createPersistMiddleware = persist
