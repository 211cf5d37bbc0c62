import { formatPointer } from '../../src/pointer'
import type { WireChange } from '../../src/protocol'
import type { PathSegment } from '../../src/types'

/** The pointers a set of pending changes write, counted as changes enter and leave. */
export interface PendingPointers {
  add(change: WireChange & { seed?: true }): void
  remove(change: WireChange & { seed?: true }): void
  /** Sorted, without repeats; the same array until the set of pointers changes. */
  sorted(): readonly string[]
}

/**
 * The JSON Pointers a change writes. An append (`/todos/items/-`) marks the
 * array itself, the only stable path it has.
 */
function pointersOf(change: WireChange): string[] {
  return change.ops.map((op) => {
    const path: PathSegment[] = op.path.slice()
    if (path[path.length - 1] === '-') path.pop()
    return formatPointer(path)
  })
}

/**
 * Reference counts of the pointers pending changes write (seeds aside: a
 * seed is the start state, not a write waiting for the relay). Each change
 * costs its own ops on the way in and out, whatever the length of the queue;
 * the sorted list is rebuilt only when a pointer appears or disappears.
 *
 * @example
 * ```ts
 * const pointers = createPendingPointers()
 * pointers.add(change)
 * pointers.sorted() // ['/settings/theme']
 * ```
 */
export function createPendingPointers(): PendingPointers {
  const counts = new Map<string, number>()
  let list: readonly string[] | undefined = []
  return {
    add(change) {
      if (change.seed) return
      for (const pointer of pointersOf(change)) {
        const n = counts.get(pointer) ?? 0
        if (n === 0) list = undefined
        counts.set(pointer, n + 1)
      }
    },
    remove(change) {
      if (change.seed) return
      for (const pointer of pointersOf(change)) {
        const n = counts.get(pointer) ?? 0
        if (n <= 1) {
          counts.delete(pointer)
          list = undefined
        } else counts.set(pointer, n - 1)
      }
    },
    sorted() {
      list ??= [...counts.keys()].sort()
      return list
    },
  }
}
