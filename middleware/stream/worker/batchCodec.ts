import type { ChangeInput, PatchOpKind, PathSegment } from '../../../src/types'
import type { WorkerItem } from './protocol'

/**
 * Consecutive one-op stream changes with the same op and the same path but
 * for its last segment, as they cross to the main thread: one column per field
 * that differs. A stream of quotes written at `['feed', 'prices', symbol]`
 * crosses as the symbols (each distinct one once), the values and the first
 * id, so the main thread parses arrays of small numbers instead of four small
 * objects per change, and builds those objects itself in one loop of one shape.
 */
interface WireRun {
  kind: 'run'
  op: PatchOpKind
  /** The path of every change of the run without its last segment. */
  prefix: PathSegment[]
  /** The distinct last path segments of the run. */
  names: PathSegment[]
  /** Each change's last path segment, as its index in `names`. */
  keys: number[]
  values: unknown[]
  /** Each change's id, `null` for none; absent when no change of the run has one, or with `idFrom`. */
  ids?: (string | null)[]
  /** The ids are the decimal integers from this one up, one per change (SSE event ids often are). */
  idFrom?: number
}

type WireItem = WorkerItem | WireRun

// A change the run encoding restores exactly, key order included (what DevTools shows):
// `{ ops: [{ op, path, value }], source: 'stream', id? }` and nothing else.
function isRunnable(change: ChangeInput): boolean {
  if (change.source !== 'stream' || change.ops.length !== 1) return false
  const keys = Object.keys(change)
  if (keys.length === 3 ? typeof change.id !== 'string' || keys[2] !== 'id' : keys.length !== 2)
    return false
  if (keys[0] !== 'ops' || keys[1] !== 'source') return false
  const op = change.ops[0]!
  const opKeys = Object.keys(op)
  return (
    opKeys.length === 3 &&
    opKeys[0] === 'op' &&
    opKeys[1] === 'path' &&
    opKeys[2] === 'value' &&
    Array.isArray(op.path) &&
    op.path.length > 0
  )
}

function samePrefix(prefix: readonly PathSegment[], path: readonly PathSegment[]): boolean {
  if (path.length !== prefix.length + 1) return false
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== path[i]) return false
  return true
}

// An id the decoder rebuilds with String(n): a decimal integer without leading zeros.
const DECIMAL = /^(0|[1-9]\d{0,14})$/

// Replaces a run's id column by its first id when the ids count up by one from it.
function countIds(run: WireRun): void {
  const ids = run.ids
  const first = ids?.[0]
  if (ids === undefined || typeof first !== 'string' || !DECIMAL.test(first)) return
  const from = Number(first)
  for (let i = 1; i < ids.length; i++) if (ids[i] !== String(from + i)) return
  delete run.ids
  run.idFrom = from
}

/**
 * The text of a batch, as the worker posts it. Items of one change per chunk
 * (`checked`, `chunks === changes.length`) cross as runs where their changes
 * allow it; every other item crosses as it is. Runs only for checked changes:
 * their paths are already segment arrays.
 */
export function encodeBatch(items: readonly WorkerItem[]): string {
  const wire: WireItem[] = []
  const runs: WireRun[] = []
  let run: WireRun | null = null
  let names = new Map<PathSegment, number>()
  let loose: Extract<WorkerItem, { kind: 'checked' }> | null = null
  for (const item of items) {
    if (item.kind !== 'checked' || item.chunks !== item.changes.length) {
      wire.push(item)
      run = null
      loose = null
      continue
    }
    for (const change of item.changes) {
      if (!isRunnable(change)) {
        run = null
        if (loose === null) {
          loose = { kind: 'checked', chunks: 0, changes: [] }
          wire.push(loose)
        }
        loose.chunks++
        loose.changes.push(change)
        continue
      }
      const op = change.ops[0]!
      const path = op.path as PathSegment[]
      if (run === null || run.op !== op.op || !samePrefix(run.prefix, path)) {
        run = { kind: 'run', op: op.op, prefix: path.slice(0, -1), names: [], keys: [], values: [] }
        names = new Map()
        wire.push(run)
        runs.push(run)
        loose = null
      }
      const name = path[path.length - 1]!
      let key = names.get(name)
      if (key === undefined) {
        key = run.names.length
        names.set(name, key)
        run.names.push(name)
      }
      const at = run.keys.length
      run.keys.push(key)
      run.values.push(op.value)
      if (change.id !== undefined) {
        run.ids ??= Array(at).fill(null)
        run.ids.push(change.id)
      } else run.ids?.push(null)
    }
  }
  for (const r of runs) countIds(r)
  return JSON.stringify(wire)
}

// Pushes the changes of a run, each path one array literal of its final length (a copy
// of the prefix that then grows by one allocates its elements twice). The common case
// gets a loop of its own that calls nothing per change: the page runs it before its
// code is optimized, where each call shows.
function pushRun(run: WireRun, changes: ChangeInput[]): void {
  const { op, names, keys, values, ids, idFrom, prefix } = run
  const [a, b, c] = prefix
  const n = keys.length
  const change = (path: PathSegment[], i: number): ChangeInput => {
    const ops = [{ op, path, value: values[i] }]
    const id = idFrom === undefined ? ids?.[i] : String(idFrom + i)
    return id === undefined || id === null
      ? { ops, source: 'stream' }
      : { ops, source: 'stream', id }
  }
  if (idFrom !== undefined && prefix.length === 2) {
    // The common case, a map two levels down with counted ids, written out.
    const paths: PathSegment[][] = []
    for (let i = 0; i < n; i++) {
      const k = keys[i]!
      let path = paths[k]
      if (path === undefined) {
        path = [a!, b!, names[k]!]
        paths[k] = path
      }
      changes.push({
        ops: [{ op, path, value: values[i] }],
        source: 'stream',
        id: String(idFrom + i),
      })
    }
    return
  }
  for (let i = 0; i < n; i++) {
    const last = names[keys[i]!]!
    const path =
      prefix.length === 0
        ? [last]
        : prefix.length === 1
          ? [a!, last]
          : prefix.length === 2
            ? [a!, b!, last]
            : prefix.length === 3
              ? [a!, b!, c!, last]
              : [...prefix, last]
    changes.push(change(path, i))
  }
}

/**
 * The items of a batch's text (`encodeBatch`): runs become the changes they
 * stand for, with the same keys in the same order as those the worker built,
 * each with its own ops. In the common run (a map two levels down), changes
 * that write the same key share one path array: nothing in patchwire writes
 * into a change's path, and a stream of quotes repeats a few hundred symbols.
 */
export function decodeBatch(text: string): WorkerItem[] {
  const wire = JSON.parse(text) as WireItem[]
  const items: WorkerItem[] = []
  for (const item of wire) {
    if (item.kind !== 'run') {
      items.push(item)
      continue
    }
    const last = items.at(-1)
    let target: Extract<WorkerItem, { kind: 'checked' }>
    if (last?.kind === 'checked' && last.chunks === last.changes.length) target = last
    else {
      target = { kind: 'checked', chunks: 0, changes: [] }
      items.push(target)
    }
    pushRun(item, target.changes)
    target.chunks += item.keys.length
  }
  return items
}
