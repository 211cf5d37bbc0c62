import type { Middleware, MiddlewareAPI } from '@reduxjs/toolkit'
import { persistStatusChanged } from '../../slices/statusActions'
import { createHlc, formatHlc } from '../../src/hlc'
import { liveTransition, replayedSince } from '../../src/withPatchwire'
import { installOnce } from '../installOnce'
import { getStoreHub, type StoreHub } from '../storeHub'
import { earlyChanges, layOver } from './earlyChanges'
import { DURABLE_ENTRY, decodeEntry, entryKey, manifestKey } from './entry'
import { createPersistFilter } from './filter'
import { readStoredStateWithin, type StoredState } from './load'
import { resolvePersistOptions } from './options'
import { onPageHidden } from './pageEvents'
import { type RestoreOverlay, reportCorrupt, restoreValues } from './restore'
import { toStorageError } from './storageErrors'
import { keepPaths, syncedWithin } from './syncedPaths'
import { openTabChannel, type TabChannel, type TabWriteNotice } from './tabChannel'
import type { PersistLoadResult, PersistOptions } from './types'
import { createPersistWriter, type WriterContext } from './writer'
import { createWriteSchedule } from './writeSchedule'

/**
 * What `persist()` returns: the middleware to install and the controls of the
 * persisted state it keeps, typed without any dispatch extension.
 */
export interface PersistInstance {
  /** Install it once, in one store: `middleware: (gDM) => gDM().concat(saver.middleware)`. */
  readonly middleware: Middleware
  /** Writes pending changes now; settles once every write it started finished (errors go to `onSaveError`, never thrown). */
  flush(): Promise<void>
  /** Teardown: writes what is pending, then stops (no more writes; timers, page and tab listeners removed). Settles once the last writes finished. */
  stop(): Promise<void>
  /** Lets a key that became read-only after a failed or timed-out load be written again; the next changes overwrite what is stored. */
  unlock(): void
  /** Runs the load again after it failed or timed out; the key stays read-only until it succeeds. */
  retryLoad(): void
}

/**
 * Persists the store's state, one storage entry per top-level key, and
 * restores it on start as ONE `applyPatch` with `source: 'persist'`.
 *
 * Nothing is written before the stored state was read, validated and
 * migrated; a failed or slow load leaves the key read-only (stored data
 * untouched) until `retryLoad()` succeeds or `unlock()` is called. A change made while the load runs is laid over what was loaded
 * (it wins on the paths it touched) and written afterwards. Only keys whose
 * state changed (by reference) are rewritten, debounced, one write at a time;
 * a failed write is retried with the next change or on a bounded back-off.
 * Durable parts of other patchwire middlewares (sync's outbox, stream
 * cursors) are saved and restored too, and sync and streams wait for the load
 * without any wiring. Across tabs, a stored entry is adopted only when it is
 * newer than what this tab shows, and never for paths `sync` shares.
 *
 * @example
 * ```ts
 * import localforage from 'localforage'
 * const saver = persist({ storage: localforage, key: 'cart', version: 2, migrate: { 1: (s) => s } })
 * const store = configureStore({
 *   reducer: withPatchwire({ cart: cartSlice.reducer }),
 *   middleware: (gDM) => gDM().concat(patchwireMiddleware(), saver.middleware),
 * })
 * await saver.flush()
 * await saver.stop() // teardown
 * ```
 */
export function persist(options: PersistOptions): PersistInstance {
  const cfg = resolvePersistOptions(options)
  const filter = createPersistFilter(cfg.allow, cfg.deny, cfg.statusKey)
  const clock = createHlc(cfg.writerId, { wallClock: cfg.now })
  let api: MiddlewareAPI | undefined
  let hub: StoreHub | undefined
  let phase: 'loading' | 'ready' | 'failed' = 'loading'
  let readOnly = false
  let stopped = false
  // Set once the last flush of stop() finished: a load settling later is ignored.
  let ended = false
  let generation = 0
  let loading: Promise<void> = Promise.resolve()
  let stopListening: () => void = () => {}
  // True while persist dispatches its own restore or adoption: those keys take the entry's stamp.
  let restoring = false
  let initial: Record<string, unknown> = {}
  let durableDirty = false
  let cancelLoad = () => {}
  let tabs: TabChannel | undefined
  let chain: Promise<void> = Promise.resolve()
  const cleanups: (() => void)[] = []
  // The state as of the last real dispatch: DevTools time travel changes what
  // getState returns without dispatching, and must never be persisted.
  let observed: unknown
  // The last real dispatch and the live state it produced, to tell a replay of
  // DevTools' log (which re-reduces it to another state) from a real change;
  // `travelled` while some persisted key still holds a value from before one.
  let lastReal: { action: unknown; state: unknown } | undefined
  let travelled = false
  const getState = () => (observed ?? api?.getState() ?? {}) as Record<string, unknown>

  const ctx: WriterContext = {
    cfg,
    filter,
    clock,
    getState,
    lastWritten: new Map(),
    shownAt: new Map(),
    durableParts: () => hub?.durableParts() ?? new Map(),
    storedDurable: {},
    adopt(topKey, text, header) {
      // Synced paths come from the relay (confirmed state plus this tab's own
      // pending changes); another tab's stored copy may hold neither, so it is
      // never laid over them. sync delivers the same edits in order.
      const synced = syncedWithin(hub?.syncedPaths() ?? [], topKey)
      if (!api || synced === 'all') return false
      let data: unknown
      try {
        data = decodeEntry(entryKey(cfg.key, cfg.version, topKey), text, cfg.deserialize).data
      } catch {
        return false // a corrupt entry from another writer is not worth keeping over our valid state
      }
      const keepSynced =
        synced.length > 0
          ? (_k: string, value: unknown, current: unknown) => keepPaths(value, current, synced)
          : undefined
      if (!restoreOwn(new Map([[topKey, data]]), keepSynced).restored.length) return false
      ctx.shownAt.set(topKey, header.at)
      ctx.lastWritten.set(topKey, getState()[topKey])
      return true
    },
  }
  const writer = createPersistWriter(ctx)
  const schedule = createWriteSchedule(cfg, () => void flush())

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
  const restoreOwn = (values: Map<string, unknown>, overlay?: RestoreOverlay) => {
    restoring = true
    try {
      return restoreValues(api as MiddlewareAPI, cfg, filter, values, overlay)
    } finally {
      restoring = false
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
    // Only a real change or the bounded back-off writes again: the status
    // action reporting the failure must not, or a full storage is hammered.
    if (result.errors.some((e) => e.code !== 'serialize')) {
      if (!stopped) schedule.failed()
    } else if (result.errors.length === 0) schedule.succeeded()
  }

  function flush(): Promise<void> {
    // After stop() nothing is written any more; its own last flush is already on the chain.
    if (stopped) return chain
    schedule.cancel()
    // A flush asked for while the load runs waits for it, so an early change is written merged;
    // and for the starts after it (sync's identity), so what they made durable is written too.
    chain = chain
      .then(() => loading)
      .then(() => hub?.whenStarted())
      .then(runWrite)
      .catch((err: unknown) => report(err as Error))
    return chain
  }

  /**
   * The live state after a dispatch that followed a replay of DevTools' log (a
   * skipped action): a persisted key the dispatch left as it was keeps its value
   * from the last real dispatch, so the skip is never stored; a key the dispatch
   * changed is stored from the live state, which DevTools goes on from.
   */
  function keepUntravelled(before: unknown, from: unknown, to: unknown): unknown {
    const was = before as Record<string, unknown>
    const prev = from as Record<string, unknown>
    const next = to as Record<string, unknown>
    let out: Record<string, unknown> | undefined
    for (const k of filter.keys(next)) {
      if (prev[k] !== next[k] || was[k] === next[k] || !Object.hasOwn(was, k)) continue
      out ??= { ...next }
      out[k] = was[k]
    }
    return out ?? to
  }

  /** Records a new clock for every persisted key this dispatch changed; true when there was one. */
  function markShown(before: Record<string, unknown>, after: Record<string, unknown>): boolean {
    if (restoring || before === after) return false
    let changed = false
    for (const k of filter.keys(after)) {
      if (before[k] === after[k]) continue
      changed = true
      ctx.shownAt.set(k, formatHlc(clock.now()))
    }
    return changed
  }

  function checkDirty(): void {
    if (phase !== 'ready' || readOnly || stopped) return
    const state = getState()
    if (!durableDirty && filter.keys(state).every((k) => state[k] === ctx.lastWritten.get(k)))
      return
    schedule.changed()
  }

  function failLoad(err: unknown): void {
    const error = toStorageError(err, manifestKey(cfg.key, cfg.version), 'read')
    phase = 'failed'
    readOnly = true
    snapshotWritten()
    status({ state: 'error', lastError: error.message, readOnly: true, loadError: error.toJSON() })
    report(error)
    notifyLoad({ key: cfg.key, ok: false, restored: [], rejected: [], error })
  }

  function finishLoad(stored: StoredState): void {
    if (!api) return
    for (const { error } of stored.corrupt) {
      reportCorrupt(api)
      report(error)
    }
    for (const [k, h] of stored.headers) {
      clock.receive(h.at)
      ctx.shownAt.set(k, h.at)
    }
    const current = getState()
    const early = earlyChanges(initial, current, filter.keys(current), hub?.syncedPaths() ?? [])
    const outcome = restoreOwn(stored.values, (k, value) => {
      const ops = early.get(k)
      return ops ? layOver(value, ops, current[k]) : value
    })
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
    const moved = stored.migratedFrom !== undefined || stored.imported === true
    snapshotWritten()
    // Migrated or imported values are not stored under this version yet: leave them dirty.
    if (moved) for (const k of outcome.restored) ctx.lastWritten.delete(k)
    // Early changes were never written: leave them dirty, stamped after everything loaded.
    for (const k of early.keys()) {
      ctx.lastWritten.delete(k)
      ctx.shownAt.set(k, formatHlc(clock.now()))
    }
    if (moved && stored.durable) durableDirty = true
    phase = 'ready'
    readOnly = false
    status({ state: 'ready', lastError: null, readOnly: false, loadError: null })
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

  async function load(announced = false): Promise<void> {
    const gen = ++generation
    phase = 'loading'
    if (!announced) status({ state: 'hydrating' })
    const reading = readStoredStateWithin(
      { ...cfg, importReduxPersist: cfg.importReduxPersist, expectedKeys: filter.keys(getState()) },
      cfg.loadTimeoutMs,
    )
    cancelLoad = reading.cancel
    let stored: StoredState
    try {
      stored = await reading.result
    } catch (err) {
      if (gen === generation && !ended) failLoad(err)
      return
    }
    if (gen === generation && !ended) finishLoad(stored)
  }

  function adoptNotified(notice: TabWriteNotice): void {
    if (notice.writer === cfg.writerId || phase !== 'ready' || readOnly || stopped) return
    const persisted = new Set(filter.keys(getState()))
    const synced = hub?.syncedPaths() ?? []
    // A key sync owns entirely is never adopted: not even worth reading.
    const keys = notice.keys.filter((k) => persisted.has(k) && syncedWithin(synced, k) !== 'all')
    chain = chain.then(async () => {
      for (const e of await writer.adoptNewer(keys)) report(e)
    })
  }

  function unlock(): void {
    if (!api || (phase === 'ready' && !readOnly)) return
    generation++ // a load still running must not restore over what the app now writes
    if (phase === 'loading') snapshotWritten()
    phase = 'ready'
    readOnly = false
    status({ state: 'ready', readOnly: false, lastError: null, loadError: null })
    checkDirty()
  }

  // A stop during the load waits for it (at most loadTimeoutMs), so changes made meanwhile are written too.
  function stop(): Promise<void> {
    const done = flush()
    stopped = true
    for (const c of cleanups.splice(0)) c()
    return done.then(() => {
      stopListening()
      ended = true
      cancelLoad()
      schedule.cancel()
    })
  }

  function retryLoad(): void {
    if (!api || phase !== 'failed' || stopped) return
    loading = load()
    hub?.addHydration(loading)
  }

  const install = installOnce('persist', cfg.key)
  const middleware: Middleware = (storeApi) => {
    install(storeApi)
    api = storeApi
    hub = getStoreHub(storeApi)
    initial = storeApi.getState() as Record<string, unknown>
    // Unversioned: sync's outboxes are its own format and must survive a migration of the state.
    hub.provideStorage({ storage: cfg.storage, prefix: `patchwire:${cfg.key}` })
    // Heard until the last flush of stop() is written: a start it waits for changes durable parts.
    stopListening = hub.onDurableChanged(() => {
      durableDirty = true
      checkDirty()
    })
    cleanups.push(onPageHidden(() => void flush()))
    if (cfg.notifyTabs) tabs = openTabChannel(cfg.key, adoptNotified)
    cleanups.push(() => tabs?.close())
    let announced = false
    // Dispatching is not allowed while middleware is being built: load after a microtask.
    loading = Promise.resolve().then(() => load(announced))
    hub.addHydration(loading)
    return (next) => {
      // Redux builds the chain from the store outwards, so `next` already
      // works here, before configureStore returns: the key reads as hydrating
      // from the store's first getState. (store.dispatch would still throw.)
      try {
        next(persistStatusChanged({ key: cfg.key, state: 'hydrating' }))
        announced = true
      } catch {
        // A later middleware dispatched through the store: the load announces it a microtask later.
      }
      return (action) => {
        const before = getState()
        const shownBefore = storeApi.getState()
        const result = next(action)
        // Under DevTools showing a past state, the live state the action moved is persisted, not the shown one.
        const live = liveTransition(action, shownBefore, storeApi.getState())
        travelled ||= lastReal !== undefined && replayedSince(lastReal.action, lastReal.state)
        lastReal = { action, state: live.to }
        observed = travelled ? keepUntravelled(before, live.from, live.to) : live.to
        travelled = observed !== live.to
        if (markShown(before, observed as Record<string, unknown>)) checkDirty()
        return result
      }
    }
  }

  return { middleware, flush, stop, unlock, retryLoad }
}
