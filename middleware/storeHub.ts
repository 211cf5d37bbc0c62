import type { MiddlewareAPI } from '@reduxjs/toolkit'

/**
 * State a middleware keeps outside Redux that must survive a reload (sync's
 * outbox and last sequence, a stream's cursor). `persist` saves every
 * registered part under its own storage entry and hands it back on load.
 */
export interface DurablePart {
  /** The current value, plain JSON. */
  read(): unknown
  /** Called once with what was stored, before the owner starts (never called when nothing was stored). */
  restore(value: unknown): void
}

/** A redux-persist compatible key-value storage (each method sync or async). */
export interface KeyValueStorage {
  getItem(key: string): string | null | undefined | Promise<string | null | undefined>
  setItem(key: string, value: string): unknown
  removeItem(key: string): unknown
}

/**
 * Where persist keeps this store's state, for durable data that must not share
 * one last-writer-wins entry between tabs (sync's per-tab outboxes): entries
 * of their own go under `prefix`.
 */
export interface DurableStorage {
  storage: KeyValueStorage
  /** `patchwire:<key>`: the persisted state's key, without its version. */
  prefix: string
}

/** What the patchwire middlewares of one store share so they start in order without user wiring. */
export interface StoreHub {
  /** Registers work that must finish before sync joins and streams start (persist's load). */
  addHydration(done: Promise<unknown>): void
  /**
   * Resolves when every registered hydration has settled. Waits a microtask
   * first, so every middleware of the store has been constructed and registered.
   */
  whenHydrated(): Promise<void>
  /**
   * Registers a start that runs after hydration and changes durable parts
   * (sync choosing its identity and taking over its outbox). persist's flush
   * waits for every registered start, so a page closed before sync started
   * still stores the identity its outbox is saved under.
   */
  addStart(done: Promise<unknown>): void
  /** Resolves when every registered start has settled. */
  whenStarted(): Promise<void>
  /** Registers a durable part under a unique name (`sync:<room>`, `stream:<id>`). */
  addDurable(name: string, part: DurablePart): void
  durableParts(): ReadonlyMap<string, DurablePart>
  /** An owner calls this when its durable part changed; persist schedules a save. */
  durableChanged(): void
  /** persist listens here. */
  onDurableChanged(listener: () => void): () => void
  /**
   * Registers state paths (object keys from the root) that a transport
   * delivers itself (sync's `allowKeys`): persist leaves them to it, so it
   * never lays another tab's stored copy over what the relay confirmed.
   */
  addSyncedPaths(paths: readonly (readonly string[])[]): void
  /** Every path registered with `addSyncedPaths`. */
  syncedPaths(): readonly (readonly string[])[]
  /** persist tells where it stores (the first persist of the store wins). */
  provideStorage(storage: DurableStorage): void
  /** persist's storage, once a persist of this store was built. */
  storage(): DurableStorage | undefined
}

// Redux gives every middleware of one store the same middlewareAPI whose
// getState is the store's own, so it identifies the store.
const hubs = new WeakMap<object, StoreHub>()

function createStoreHub(): StoreHub {
  const hydrations: Promise<unknown>[] = []
  const starts: Promise<unknown>[] = []
  const durable = new Map<string, DurablePart>()
  const listeners = new Set<() => void>()
  const synced: (readonly string[])[] = []
  let storage: DurableStorage | undefined
  return {
    provideStorage: (where) => {
      storage ??= where
    },
    storage: () => storage,
    addHydration: (done) => {
      hydrations.push(done.catch(() => {}))
    },
    whenHydrated: async () => {
      await Promise.resolve()
      // Hydrations may register further ones (migrations); wait until the list is stable.
      let seen = -1
      while (seen !== hydrations.length) {
        seen = hydrations.length
        await Promise.all(hydrations)
      }
    },
    addStart: (done) => {
      starts.push(done.catch(() => {}))
    },
    whenStarted: async () => {
      await Promise.all(starts)
    },
    addDurable: (name, part) => {
      durable.set(name, part)
    },
    durableParts: () => durable,
    durableChanged: () => {
      for (const l of listeners) l()
    },
    onDurableChanged: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    addSyncedPaths: (paths) => {
      synced.push(...paths)
    },
    syncedPaths: () => synced,
  }
}

/** The hub of the store this middleware API belongs to. */
export function getStoreHub(api: Pick<MiddlewareAPI, 'getState'>): StoreHub {
  let hub = hubs.get(api.getState)
  if (!hub) {
    hub = createStoreHub()
    hubs.set(api.getState, hub)
  }
  return hub
}
