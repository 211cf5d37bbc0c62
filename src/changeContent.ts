import type { PatchOp } from './types'

/** JSON with object keys sorted at every level, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const entries = Object.keys(value)
    .sort()
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
  return `{${entries.join(',')}}`
}

/**
 * The content of a change as one canonical text: its timestamp and ops. Two
 * changes under one id are the same change exactly when this text is equal.
 * The relay keeps a hash of it with every change (`changeDigest`); a client
 * compares it with a relay change before taking that change as its own, so
 * another process writing under the same client id is never mistaken for it.
 *
 * @example
 * ```ts
 * changeContent({ ts, ops: [{ op: 'add', path: ['todos', '-'], value: 'milk' }] }) === changeContent(relayChange)
 * ```
 */
export function changeContent(change: { ts: string; ops: readonly PatchOp[] }): string {
  return canonicalJson({ ts: change.ts, ops: change.ops })
}
