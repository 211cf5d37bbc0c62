import type { Path } from '../../src/types'

interface Node {
  /** Tick of the last write by someone else exactly at this path (0: none). */
  tick: number
  /** Highest tick written at this path or anywhere below it. */
  below: number
  children: Map<string, Node>
}

const node = (): Node => ({ tick: 0, below: 0, children: new Map() })

/**
 * The per-path clock of writes made by someone else (relay changes, streams),
 * as ticks of the history's own write counter. The client applies relay
 * changes in the relay's order and only the ops that changed what it shows,
 * so "a write by someone else after ours" is exactly a tick here above the
 * tick of our write: a peer's write the relay dropped as stale never shows up,
 * and our own write the relay refused comes back as the rollback it is.
 */
export interface OtherWrites {
  /** Records a write by someone else at `path`. */
  record(path: Path, tick: number): void
  /** True when someone else wrote `path`, one of its ancestors or descendants after `tick`. */
  writtenSince(path: Path, tick: number): boolean
  /** Every recorded write after `tick`, for the durable copy. */
  since(tick: number): [Path, number][]
  clear(): void
}

/** An empty clock of others' writes. */
export function createOtherWrites(): OtherWrites {
  let root = node()
  return {
    record(path, tick) {
      let at = root
      at.below = Math.max(at.below, tick)
      for (const segment of path) {
        const key = String(segment)
        let child = at.children.get(key)
        if (!child) {
          child = node()
          at.children.set(key, child)
        }
        at = child
        at.below = Math.max(at.below, tick)
      }
      at.tick = Math.max(at.tick, tick)
    },
    writtenSince(path, tick) {
      let at: Node | undefined = root
      if (at.tick > tick) return true
      for (const segment of path) {
        at = at.children.get(String(segment))
        if (!at) return false
        if (at.tick > tick) return true
      }
      return at.below > tick
    },
    since(tick) {
      const out: [Path, number][] = []
      const walk = (at: Node, path: string[]) => {
        if (at.below <= tick) return
        if (at.tick > tick) out.push([path, at.tick])
        for (const [key, child] of at.children) walk(child, [...path, key])
      }
      walk(root, [])
      return out
    },
    clear() {
      root = node()
    },
  }
}
