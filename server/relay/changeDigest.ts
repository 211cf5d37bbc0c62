import { createHash } from 'node:crypto'
import { changeContent } from '../../src/changeContent'
import type { PatchOp } from '../../src/types'

/**
 * A short, stable digest of a change as its client pushed it: its timestamp
 * and ops (after validation, so a JSON Pointer and its segments digest the
 * same), as canonical JSON (`changeContent`, which clients compare too)
 * hashed with SHA-256. The relay keeps it with the change so that a re-sent
 * id counts as already applied only when it carries the same content; an id
 * reused for other content is refused `id_conflict`.
 *
 * @example
 * ```ts
 * changeDigest({ ts, ops: [{ op: 'add', path: ['todos', '-'], value: 'milk' }] }) // 'q3V0…' (22 chars)
 * ```
 */
export function changeDigest(change: { ts: string; ops: readonly PatchOp[] }): string {
  return createHash('sha256').update(changeContent(change)).digest('base64url').slice(0, 22)
}
