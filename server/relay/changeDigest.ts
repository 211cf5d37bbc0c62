import { createHash } from 'node:crypto'
import type { PatchOp } from '../../src/types'

/** JSON with object keys sorted at every level, so equal values give equal text. */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const entries = Object.keys(value)
    .sort()
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
  return `{${entries.join(',')}}`
}

/**
 * A short, stable digest of a change as its client pushed it: its timestamp
 * and ops (after validation, so a JSON Pointer and its segments digest the
 * same), as canonical JSON hashed with SHA-256. The relay keeps it with the
 * change so that a re-sent id counts as already applied only when it carries
 * the same content; an id reused for other content is refused `id_conflict`.
 *
 * @example
 * ```ts
 * changeDigest({ ts, ops: [{ op: 'add', path: ['todos', '-'], value: 'milk' }] }) // 'q3V0…' (22 chars)
 * ```
 */
export function changeDigest(change: { ts: string; ops: readonly PatchOp[] }): string {
  return createHash('sha256')
    .update(canonicalJson({ ts: change.ts, ops: change.ops }))
    .digest('base64url')
    .slice(0, 22)
}
