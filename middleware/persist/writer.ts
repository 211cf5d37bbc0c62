import { PatchwireError } from '../../src/errors'
import { compareHlc, formatHlc, type HybridLogicalClock } from '../../src/hlc'
import type { DurablePart } from '../storeHub'
import { boundedStorage } from './boundedStorage'
import {
  DURABLE_ENTRY,
  decodeManifest,
  encodeEntry,
  entryKey,
  manifestKey,
  readHeader,
} from './entry'
import type { PersistFilter } from './filter'
import type { ResolvedPersistOptions } from './options'
import { toStorageError } from './storageErrors'
import type { EntryHeader } from './types'

/** The state the writer shares with the middleware. */
export interface WriterContext {
  cfg: ResolvedPersistOptions
  filter: PersistFilter
  clock: HybridLogicalClock
  getState(): Record<string, unknown>
  /** The `state[topKey]` reference last written or restored, per key. */
  lastWritten: Map<string, unknown>
  /**
   * The clock of what this tab shows, per key: the stamp of the entry it
   * restored or adopted, or the time of the last change made here since. A
   * stored entry is newer than the tab's view only when its stamp is later.
   */
  shownAt: Map<string, string>
  durableParts(): ReadonlyMap<string, DurablePart>
  /** Stored durable values of parts not registered in this store, kept so a write does not drop them. */
  storedDurable: Record<string, unknown>
  /** Another writer stored an entry newer than this tab's view: show it (where allowed) instead of overwriting it. */
  adopt(topKey: string, text: string, header: EntryHeader): boolean
}

/** What one write pass did. */
export interface WriteResult {
  written: string[]
  errors: PatchwireError[]
}

/** Writes changed keys, the manifest and durable parts; never throws (failures are returned). */
export interface PersistWriter {
  writeChanged(durableDirty: boolean): Promise<WriteResult>
  remove(storageKeys: readonly string[]): Promise<PatchwireError[]>
  /** Adopts the stored entries of `topKeys` that are newer than what this tab shows. */
  adoptNewer(topKeys: readonly string[]): Promise<PatchwireError[]>
  /** Keys listed in the stored manifest, once known. */
  manifestKeys: Set<string> | undefined
}

/** Creates the writer of one persisted state. */
export function createPersistWriter(ctx: WriterContext): PersistWriter {
  const { cfg } = ctx
  const store = boundedStorage(cfg.storage, cfg.saveTimeoutMs)
  // An entry carries the clock of the view it holds, not of the moment it is
  // written: a tab that flushes late (on pagehide) must not look newer than an
  // edit another tab made in between.
  const stamp = (at = formatHlc(ctx.clock.now())): EntryHeader => ({
    v: cfg.version,
    at,
    writer: cfg.writerId,
  })

  const writer: PersistWriter = {
    manifestKeys: undefined,
    async writeChanged(durableDirty) {
      const result: WriteResult = { written: [], errors: [] }
      const state = ctx.getState()
      const changed = ctx.filter.keys(state).filter((k) => state[k] !== ctx.lastWritten.get(k))
      // The load finds entries through the manifest, so a durable part alone needs one too.
      if ((changed.length > 0 || durableDirty) && !(await ensureManifest(changed, result)))
        return result
      for (const topKey of changed) await writeKey(topKey, state[topKey], result)
      if (durableDirty) await writeDurable(result)
      return result
    },
    async adoptNewer(topKeys) {
      const errors: PatchwireError[] = []
      for (const topKey of topKeys) {
        const sKey = entryKey(cfg.key, cfg.version, topKey)
        try {
          const newer = await newerStoredEntry(topKey, sKey)
          if (newer) ctx.adopt(topKey, newer.text, newer.header)
        } catch (err) {
          errors.push(toStorageError(err, sKey, 'read'))
        }
      }
      return errors
    },
    async remove(storageKeys) {
      const errors: PatchwireError[] = []
      for (const k of storageKeys) {
        try {
          await store.removeItem(k)
        } catch (err) {
          errors.push(toStorageError(err, k, 'remove'))
        }
      }
      return errors
    },
  }

  // The manifest is written before the entries it lists, so an entry on disk is always reachable.
  async function ensureManifest(keys: readonly string[], result: WriteResult): Promise<boolean> {
    const mKey = manifestKey(cfg.key, cfg.version)
    const wanted = new Set([...(writer.manifestKeys ?? []), ...keys])
    let base = writer.manifestKeys
    let stored = base !== undefined
    // Other tabs add their keys to the same manifest: re-read it and merge, so
    // writing never drops a key another tab listed since this one looked (and
    // puts back one of ours a racing tab dropped). A single writer (crossTab
    // 'overwrite') trusts what it last wrote.
    if (!base || cfg.crossTab !== 'overwrite') {
      let text: unknown
      try {
        text = await store.getItem(mKey)
      } catch (err) {
        result.errors.push(toStorageError(err, mKey, 'read'))
        return false
      }
      try {
        const manifest = decodeManifest(mKey, text)
        stored = manifest !== null && manifest !== undefined
        base = new Set(manifest?.keys ?? [])
      } catch {
        base = new Set() // an unreadable manifest lists nothing that could be kept
      }
    }
    const listed = base
    if (stored && [...wanted].every((k) => listed.has(k))) {
      writer.manifestKeys = listed
      return true
    }
    const next = new Set([...listed, ...wanted])
    try {
      await store.setItem(mKey, JSON.stringify({ v: cfg.version, keys: [...next] }))
      writer.manifestKeys = next
      return true
    } catch (err) {
      result.errors.push(toStorageError(err, mKey, 'write'))
      return false
    }
  }

  /** The stored entry of `topKey` when another writer wrote it and it is newer than this tab's view. */
  async function newerStoredEntry(
    topKey: string,
    sKey: string,
  ): Promise<{ text: string; header: EntryHeader } | null> {
    const text = await store.getItem(sKey)
    const header = readHeader(text)
    if (!header || header.writer === cfg.writerId) return null
    const shown = ctx.shownAt.get(topKey)
    if (shown !== undefined && compareHlc(header.at, shown) <= 0) return null
    ctx.clock.receive(header.at)
    return { text: text as string, header }
  }

  async function writeKey(topKey: string, value: unknown, result: WriteResult): Promise<void> {
    const sKey = entryKey(cfg.key, cfg.version, topKey)
    if (cfg.crossTab !== 'overwrite') {
      try {
        const newer = await newerStoredEntry(topKey, sKey)
        // Never write an older view over a newer entry, even when it cannot be adopted here.
        if (newer) {
          ctx.adopt(topKey, newer.text, newer.header)
          return
        }
      } catch (err) {
        result.errors.push(toStorageError(err, sKey, 'read'))
        return
      }
    }
    let payload: string
    try {
      payload = cfg.serialize(ctx.filter.toStored(topKey, value))
      if (typeof payload !== 'string') throw new TypeError(`serialize returned ${typeof payload}`)
    } catch (cause) {
      result.errors.push(
        new PatchwireError(
          'serialize',
          `"${topKey}" could not be serialized: ${String(cause)}`,
          { key: sKey },
          { cause },
        ),
      )
      return
    }
    const header = stamp(ctx.shownAt.get(topKey))
    try {
      await store.setItem(sKey, encodeEntry(header, payload))
    } catch (err) {
      result.errors.push(toStorageError(err, sKey, 'write'))
      return
    }
    ctx.lastWritten.set(topKey, value)
    ctx.shownAt.set(topKey, header.at)
    result.written.push(topKey)
  }

  async function writeDurable(result: WriteResult): Promise<void> {
    const sKey = entryKey(cfg.key, cfg.version, DURABLE_ENTRY)
    let payload: string
    try {
      // A part's read() runs here too, so one that throws is reported like a serialization failure.
      const data: Record<string, unknown> = { ...ctx.storedDurable }
      for (const [name, part] of ctx.durableParts()) data[name] = part.read()
      payload = cfg.serialize(data)
    } catch (cause) {
      result.errors.push(
        new PatchwireError(
          'serialize',
          `Durable parts could not be serialized: ${String(cause)}`,
          { key: sKey },
          { cause },
        ),
      )
      return
    }
    try {
      await store.setItem(sKey, encodeEntry(stamp(), payload))
      result.written.push(DURABLE_ENTRY)
    } catch (err) {
      result.errors.push(toStorageError(err, sKey, 'write'))
    }
  }

  return writer
}
