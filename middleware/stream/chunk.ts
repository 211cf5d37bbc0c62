import { describeValue, PatchwireError } from '../../src/errors'
import { parsePointer } from '../../src/pointer'
import type { ChangeInput, PatchOpInput, PathSegment } from '../../src/types'
import type { StreamChangeInput, StreamOptions } from './types'

const OPS: ReadonlySet<unknown> = new Set(['add', 'replace', 'remove'])

function badRequest(reason: string): PatchwireError<'bad_request'> {
  return new PatchwireError('bad_request', `Invalid stream chunk: ${reason}.`, { reason })
}

function checkOps(ops: unknown, where: string): PatchOpInput[] {
  if (!Array.isArray(ops))
    throw badRequest(`${where} must be an array, received ${describeValue(ops)}`)
  for (const op of ops) {
    if (op === null || typeof op !== 'object' || !OPS.has((op as { op?: unknown }).op)) {
      throw badRequest(`every op needs op add, replace or remove; received ${describeValue(op)}`)
    }
    const path = (op as { path?: unknown }).path
    if (typeof path !== 'string' && !Array.isArray(path)) {
      throw badRequest(
        `an op path must be a JSON Pointer or an array, received ${describeValue(path)}`,
      )
    }
  }
  return ops as PatchOpInput[]
}

function toSegments(path: unknown): PathSegment[] {
  if (Array.isArray(path)) return path as PathSegment[]
  if (typeof path !== 'string') {
    throw badRequest(`path must be a JSON Pointer or an array, received ${describeValue(path)}`)
  }
  try {
    return parsePointer(path)
  } catch (err) {
    throw badRequest(err instanceof Error ? err.message : String(err))
  }
}

// `add` sets an object key whether or not it exists, but inserts into an array;
// `replace` overwrites an index. The parent in the current state decides.
function parentIsArray(state: unknown, path: readonly PathSegment[]): boolean {
  let node = state
  for (let i = 0; i < path.length - 1; i++) {
    if (node === null || typeof node !== 'object') return false
    node = (node as Record<string, unknown>)[String(path[i])]
  }
  return Array.isArray(node)
}

function replaceOps(chunk: Record<string, unknown>, state: unknown, statusKey: string | null) {
  const value = chunk.value
  if (value === undefined) throw badRequest('a replace chunk needs a value')
  if (
    chunk.path === undefined ||
    (Array.isArray(chunk.path) && chunk.path.length === 0) ||
    chunk.path === ''
  ) {
    // A target without a status slice (a cache entry) owns its root: the value replaces it whole.
    if (statusKey === null) return [{ op: 'replace', path: [], value } as PatchOpInput]
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw badRequest(
        `a replace chunk without a path needs an object value, received ${describeValue(value)}`,
      )
    }
    // The sink refuses whole-state writes, so the root is replaced key by key.
    return Object.keys(value)
      .filter((key) => key !== statusKey)
      .map(
        (key): PatchOpInput => ({
          op: 'add',
          path: [key],
          value: (value as Record<string, unknown>)[key],
        }),
      )
  }
  const path = toSegments(chunk.path)
  return [{ op: parentIsArray(state, path) ? 'replace' : 'add', path, value } as PatchOpInput]
}

function checkMapped(out: unknown): StreamChangeInput[] {
  const list = Array.isArray(out) ? out : [out]
  for (const change of list) {
    if (change === null || typeof change !== 'object') {
      throw badRequest(
        `map must return a change, an array of changes or null; received ${describeValue(change)}`,
      )
    }
    checkOps((change as { ops?: unknown }).ops, 'the ops of a mapped change')
  }
  return list as StreamChangeInput[]
}

/**
 * How chunks are read: `map` for other shapes; `statusKey` is the key a root
 * `replace` leaves alone, or `null` when the target has no status slice and a
 * root `replace` sets the whole value. @defaultValue statusKey 'patchwire'
 */
export interface ChunkOptions {
  map?: StreamOptions['map']
  statusKey?: string | null | undefined
}

/**
 * Turns one decoded chunk into the changes it stands for (source `'stream'`),
 * or throws a `bad_request` `PatchwireError` saying what was wrong with it.
 * `{type: 'patch'}` and `{type: 'replace'}` chunks are built in; any other shape
 * goes through `map` when given.
 *
 * @example
 * ```ts
 * chunkToChanges({ type: 'replace', path: '/price', value: 3 }, () => state, {}) // [{ source: 'stream', ops: [...] }]
 * ```
 */
export function chunkToChanges(
  data: unknown,
  getState: () => unknown,
  options: ChunkOptions,
): ChangeInput[] {
  const type =
    data !== null && typeof data === 'object' ? (data as { type?: unknown }).type : undefined
  let changes: StreamChangeInput[]
  if (type === 'patch') {
    changes = [{ ops: checkOps((data as { ops?: unknown }).ops, 'ops') }]
  } else if (type === 'replace') {
    changes = [
      {
        ops: replaceOps(
          data as Record<string, unknown>,
          getState(),
          options.statusKey === undefined ? 'patchwire' : options.statusKey,
        ),
      },
    ]
  } else if (options.map) {
    let out: unknown
    try {
      out = options.map(data)
    } catch (err) {
      throw badRequest(`map threw: ${err instanceof Error ? err.message : String(err)}`)
    }
    if (out === null || out === undefined) return []
    changes = checkMapped(out)
  } else {
    throw badRequest(
      `expected {type: 'patch', ops} or {type: 'replace', path?, value}, received ${describeValue(data)}`,
    )
  }
  return changes.map((change) => ({ ...change, source: 'stream' }))
}
