import { toPath } from '../../pointer'
import type { PatchOp } from '../../types'

/** The outcome of reading a hand-written patch. */
export type ParsedPatch = { ok: true; ops: PatchOp[] } | { ok: false; error: string }

const kinds = new Set(['add', 'replace', 'remove'])

/**
 * Reads the debugger form's text: a JSON op, an array of ops, or `{ "ops": [...] }`,
 * paths as segment arrays or JSON Pointer strings. Errors say what was wrong, for display.
 *
 * @example
 * ```ts
 * parsePatchInput('{"op":"replace","path":"/title","value":"Hi"}') // { ok: true, ops: [...] }
 * ```
 */
export function parsePatchInput(text: string): ParsedPatch {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    return { ok: false, error: `Not JSON: ${(err as Error).message}` }
  }
  const list =
    raw !== null && typeof raw === 'object' && !Array.isArray(raw) && 'ops' in raw
      ? (raw as { ops: unknown }).ops
      : Array.isArray(raw)
        ? raw
        : [raw]
  if (!Array.isArray(list) || list.length === 0) {
    return { ok: false, error: 'Expected an op, an array of ops or { "ops": [...] }.' }
  }
  const ops: PatchOp[] = []
  for (const [i, item] of list.entries()) {
    const op = item as { op?: unknown; path?: unknown; value?: unknown } | null
    if (op === null || typeof op !== 'object' || !kinds.has(op.op as string)) {
      return { ok: false, error: `Op ${i}: "op" must be add, replace or remove.` }
    }
    let path: PatchOp['path']
    try {
      path = toPath(op.path as string)
    } catch (err) {
      return { ok: false, error: `Op ${i}: ${(err as Error).message}` }
    }
    if (op.op !== 'remove' && !('value' in op)) {
      return { ok: false, error: `Op ${i}: "${String(op.op)}" needs a "value".` }
    }
    ops.push(
      op.op === 'remove'
        ? { op: 'remove', path }
        : { op: op.op as PatchOp['op'], path, value: op.value },
    )
  }
  return { ok: true, ops }
}
