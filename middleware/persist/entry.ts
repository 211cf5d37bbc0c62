import { PatchwireError } from '../../src/errors'
import type { EntryHeader, PersistManifest } from './types'

/** The entry name under which durable parts (sync's outbox, stream cursors) are stored. */
export const DURABLE_ENTRY = '__durable'

/** `patchwire:<key>:v<version>`: the manifest of one version. */
export function manifestKey(key: string, version: number): string {
  return `patchwire:${key}:v${version}`
}

/** `patchwire:<key>:v<version>:<topKey>`: one persisted top-level key. */
export function entryKey(key: string, version: number, topKey: string): string {
  return `${manifestKey(key, version)}:${topKey}`
}

// A JSON header line before the payload lets a writer read who wrote an entry
// and when without deserializing a payload that may be megabytes long.
/** Joins a header and a serialized payload into what is stored. */
export function encodeEntry(header: EntryHeader, payload: string): string {
  return `${JSON.stringify(header)}\n${payload}`
}

// The string form of a hybrid logical clock timestamp (see src/hlc.ts formatHlc).
const HLC_FORMAT = /^\d{15}-[0-9a-z]{6}-.+$/

function isHeader(value: unknown): value is EntryHeader {
  const h = value as EntryHeader
  return (
    h !== null &&
    typeof h === 'object' &&
    typeof h.v === 'number' &&
    typeof h.at === 'string' &&
    HLC_FORMAT.test(h.at) &&
    typeof h.writer === 'string'
  )
}

/** The header of a stored entry, or `null` when there is none or it is unreadable. */
export function readHeader(text: unknown): EntryHeader | null {
  if (typeof text !== 'string') return null
  const end = text.indexOf('\n')
  if (end < 0) return null
  try {
    const header: unknown = JSON.parse(text.slice(0, end))
    return isHeader(header) ? header : null
  } catch {
    return null
  }
}

/** Splits and deserializes a stored entry; throws a `PatchwireError('storage')` naming the entry when it is corrupt. */
export function decodeEntry(
  storageKey: string,
  text: unknown,
  deserialize: (text: string) => unknown,
): { header: EntryHeader; data: unknown } {
  const header = readHeader(text)
  if (!header) {
    throw new PatchwireError(
      'storage',
      `The stored entry "${storageKey}" has no patchwire header; it is kept as it is.`,
      { key: storageKey, operation: 'read' },
    )
  }
  const payload = (text as string).slice((text as string).indexOf('\n') + 1)
  try {
    return { header, data: deserialize(payload) }
  } catch (cause) {
    throw new PatchwireError(
      'storage',
      `The stored entry "${storageKey}" could not be deserialized (${String(cause)}); it is kept as it is.`,
      { key: storageKey, operation: 'read' },
      { cause },
    )
  }
}

/** Parses a stored manifest; `null` when absent, throws when present but unreadable. */
export function decodeManifest(storageKey: string, text: unknown): PersistManifest | null {
  if (text === null || text === undefined) return null
  let parsed: unknown
  try {
    parsed = JSON.parse(String(text))
  } catch (cause) {
    throw new PatchwireError(
      'storage',
      `The manifest "${storageKey}" is not JSON.`,
      { key: storageKey, operation: 'read' },
      { cause },
    )
  }
  const m = parsed as PersistManifest
  if (
    m === null ||
    typeof m !== 'object' ||
    !Array.isArray(m.keys) ||
    !m.keys.every((k) => typeof k === 'string')
  ) {
    throw new PatchwireError('storage', `The manifest "${storageKey}" does not list its keys.`, {
      key: storageKey,
      operation: 'read',
    })
  }
  return m
}
