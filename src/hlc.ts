import { PatchwireError } from './errors'

/** A hybrid logical clock timestamp: wall time, a counter within the same ms, and the node that made it. */
export interface Hlc {
  wall: number
  counter: number
  node: string
}

const WALL_WIDTH = 15
const COUNTER_WIDTH = 6
const COUNTER_MAX = 36 ** COUNTER_WIDTH - 1

/**
 * The string form of a timestamp. Fixed-width fields make string order equal
 * timestamp order, so stores and indexes can compare them as text.
 */
export function formatHlc(t: Hlc): string {
  return `${t.wall.toString().padStart(WALL_WIDTH, '0')}-${t.counter.toString(36).padStart(COUNTER_WIDTH, '0')}-${t.node}`
}

/** Parses the string form; throws a `PatchwireError('invalid_change')` on anything else. */
export function parseHlc(text: string): Hlc {
  const m = typeof text === 'string' ? /^(\d{15})-([0-9a-z]{6})-(.+)$/.exec(text) : null
  if (!m) {
    throw new PatchwireError(
      'invalid_change',
      `"${String(text).slice(0, 60)}" is not a patchwire timestamp.`,
      {
        reason: 'bad timestamp',
      },
    )
  }
  return { wall: Number(m[1]), counter: Number.parseInt(m[2]!, 36), node: m[3]! }
}

/** Total order: wall, then counter, then node id. Works on either form. */
export function compareHlc(a: Hlc | string, b: Hlc | string): number {
  const x = typeof a === 'string' ? a : formatHlc(a)
  const y = typeof b === 'string' ? b : formatHlc(b)
  return x < y ? -1 : x > y ? 1 : 0
}

/** A clock for one node. */
export interface HybridLogicalClock {
  readonly node: string
  /** A new timestamp for a local event, greater than every one this clock has made or seen. */
  now(): Hlc
  /** Merges a remote timestamp, so the next local one is greater than it. */
  receive(remote: Hlc | string): Hlc
  /** The last timestamp made or merged. */
  peek(): Hlc
}

/** Options of `createHlc`. */
export interface HlcOptions {
  /** The wall clock; inject one in tests. @defaultValue Date.now */
  wallClock?: () => number
  /** Initial state, e.g. restored from storage so a reload stays monotonic. */
  last?: Hlc | string
}

/**
 * Creates a hybrid logical clock (Kulkarni et al.): timestamps follow wall time
 * when it moves forward, and stay monotonic when it stalls or goes backwards.
 *
 * @example
 * ```ts
 * const clock = createHlc('tab-1')
 * const ts = formatHlc(clock.now())
 * ```
 */
export function createHlc(node: string, options: HlcOptions = {}): HybridLogicalClock {
  if (typeof node !== 'string' || node.length === 0 || node.includes('-')) {
    throw new PatchwireError(
      'option',
      `createHlc needs a node id without "-", received ${JSON.stringify(node)}.`,
      {
        option: 'node',
        received: String(node),
      },
    )
  }
  const wallClock = options.wallClock ?? Date.now
  const start =
    options.last === undefined
      ? undefined
      : typeof options.last === 'string'
        ? parseHlc(options.last)
        : options.last
  let wall = start?.wall ?? 0
  let counter = start?.counter ?? 0

  const advance = (remoteWall: number, remoteCounter: number): Hlc => {
    const physical = wallClock()
    const nextWall = Math.max(wall, remoteWall, physical)
    let nextCounter: number
    if (nextWall === wall && nextWall === remoteWall)
      nextCounter = Math.max(counter, remoteCounter) + 1
    else if (nextWall === wall) nextCounter = counter + 1
    else if (nextWall === remoteWall) nextCounter = remoteCounter + 1
    else nextCounter = 0
    if (nextCounter > COUNTER_MAX) {
      // The counter ran out within one ms: borrow the next ms rather than lose order.
      wall = nextWall + 1
      counter = 0
    } else {
      wall = nextWall
      counter = nextCounter
    }
    return { wall, counter, node }
  }

  return {
    node,
    now: () => advance(-1, -1),
    receive: (remote) => {
      const r = typeof remote === 'string' ? parseHlc(remote) : remote
      return advance(r.wall, r.counter)
    },
    peek: () => ({ wall, counter, node }),
  }
}
