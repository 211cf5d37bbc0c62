import { PatchwireError } from '../../src/errors'
import { compareHlc, formatHlc, type HybridLogicalClock } from '../../src/hlc'
import type { DurablePart } from '../storeHub'
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
  /** The stamp of the entry last read or written, per key. */
  known: Map<string, string>
  durableParts(): ReadonlyMap<string, DurablePart>
  /** Stored durable values of parts not registered in this store, kept so a write does not drop them. */
  storedDurable: Record<string, unknown>
  /** Another writer stored a newer entry: take it instead of overwriting it. */
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
  /** Adopts the stored entries of `topKeys` that another writer wrote after this one last saw them. */
  adoptNewer(topKeys: readonly string[]): Promise<PatchwireError[]>
  /** Keys listed in the stored manifest, once known. */
  manifestKeys: Set<string> | undefined
}

/** Creates the writer of one persisted state. */
export function createPersistWriter(ctx: WriterContext): PersistWriter {
  const { cfg } = ctx
  const store = cfg.storage
  const stamp = (): EntryHeader => ({
    v: cfg.version,
    at: formatHlc(ctx.clock.now()),
    writer: cfg.writerId,
  })

  const writer: PersistWriter = {
    manifestKeys: undefined,
    async writeChanged(durableDirty) {
      const result: WriteResult = { written: [], errors: [] }
      const state = ctx.getState()
      const changed = ctx.filter.keys(state).filter((k) => state[k] !== ctx.lastWritten.get(k))
      if (changed.length > 0 && !(await ensureManifest(changed, result))) return result
      for (const topKey of changed) await writeKey(topKey, state[topKey], result)
      if (durableDirty) await writeDurable(result)
      return result
    },
    async adoptNewer(topKeys) {
      const errors: PatchwireError[] = []
      for (const topKey of topKeys) {
        const sKey = entryKey(cfg.key, cfg.version, topKey)
        try {
          await otherWriterIsNewer(topKey, sKey, true)
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
    if (!writer.manifestKeys) {
      // Unknown after a failed load: merge with what is stored rather than drop its keys.
      try {
        writer.manifestKeys = new Set(decodeManifest(mKey, await store.getItem(mKey))?.keys ?? [])
      } catch {
        writer.manifestKeys = new Set()
      }
    }
    const listed = writer.manifestKeys
    if (keys.every((k) => listed.has(k))) return true
    const next = new Set([...listed, ...keys])
    try {
      await store.setItem(mKey, JSON.stringify({ v: cfg.version, keys: [...next] }))
      writer.manifestKeys = next
      return true
    } catch (err) {
      result.errors.push(toStorageError(err, mKey, 'write'))
      return false
    }
  }

  async function otherWriterIsNewer(
    topKey: string,
    sKey: string,
    always = false,
  ): Promise<boolean> {
    if (cfg.crossTab === 'overwrite' && !always) return false
    const text = await store.getItem(sKey)
    const header = readHeader(text)
    if (!header || header.writer === cfg.writerId) return false
    const seen = ctx.known.get(topKey)
    if (seen !== undefined && compareHlc(header.at, seen) <= 0) return false
    ctx.clock.receive(header.at)
    return ctx.adopt(topKey, text as string, header)
  }

  async function writeKey(topKey: string, value: unknown, result: WriteResult): Promise<void> {
    const sKey = entryKey(cfg.key, cfg.version, topKey)
    try {
      if (await otherWriterIsNewer(topKey, sKey)) return
    } catch (err) {
      result.errors.push(toStorageError(err, sKey, 'read'))
      return
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
    const header = stamp()
    try {
      await store.setItem(sKey, encodeEntry(header, payload))
    } catch (err) {
      result.errors.push(toStorageError(err, sKey, 'write'))
      return
    }
    ctx.lastWritten.set(topKey, value)
    ctx.known.set(topKey, header.at)
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
