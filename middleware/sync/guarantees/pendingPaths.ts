import { formatPointer } from '../../../src/pointer'
import type { PathSegment } from '../../../src/types'
import type { PendingChange } from '../confirmedModel'

/**
 * The JSON Pointers the pending changes write, sorted and without repeats. An
 * append (`/todos/items/-`) marks the array itself, the only stable path it has.
 *
 * @example
 * ```ts
 * pendingPointers(model.pending) // ['/settings/theme', '/todos/items']
 * ```
 */
export function pendingPointers(pending: readonly PendingChange[]): string[] {
  const pointers = new Set<string>()
  for (const change of pending) {
    if (change.seed) continue
    for (const op of change.ops) {
      const path: PathSegment[] = op.path.slice()
      if (path[path.length - 1] === '-') path.pop()
      pointers.add(formatPointer(path))
    }
  }
  return [...pointers].sort()
}
