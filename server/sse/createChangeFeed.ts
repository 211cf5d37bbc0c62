import { PatchwireError } from '../../src/errors'

/** One entry of a change feed: its id (the cursor clients resume from) and its chunk. */
export interface FeedEntry {
  id: string
  data: unknown
}

/** Receives entries, in order. */
export type FeedListener = (entry: FeedEntry) => void

/** An in-memory, append-only log of stream chunks with increasing ids. */
export interface ChangeFeed {
  /** Appends a chunk (plain JSON) and returns its id. */
  append(data: unknown): string
  /** The entries after `since` that are still kept (every kept entry when `since` is null or unknown). */
  since(since: string | null): FeedEntry[]
  /**
   * Replays the entries after `since`, then pushes every new one; returns the unsubscribe.
   * Shaped for `serveChangeStream`'s `subscribe` option.
   */
  subscribe(since: string | null, push: FeedListener): () => void
  /** The id of the last entry, or `null` when nothing was appended. */
  readonly lastId: string | null
}

/** Options of `createChangeFeed`. */
export interface ChangeFeedOptions {
  /** How many entries are kept for clients that resume; older ones are dropped. @defaultValue 10000 */
  maxEntries?: number
}

/**
 * A change feed for `serveChangeStream`: ids are increasing integers (as
 * strings), so a client that reconnects with `Last-Event-ID: 41` gets entry 42
 * on. Only the last `maxEntries` are kept; a client resuming from before them
 * receives what is kept.
 *
 * @example
 * ```ts
 * const feed = createChangeFeed()
 * feed.append({ type: 'replace', path: '/price', value: 3 })
 * http.createServer((req, res) => serveChangeStream(req, res, { subscribe: feed.subscribe }))
 * ```
 */
export function createChangeFeed(options: ChangeFeedOptions = {}): ChangeFeed {
  const maxEntries = options.maxEntries ?? 10_000
  if (!(Number.isInteger(maxEntries) && maxEntries >= 1)) {
    throw new PatchwireError(
      'option',
      `createChangeFeed: maxEntries must be an integer >= 1, received ${String(maxEntries)}.`,
      { option: 'maxEntries', received: String(maxEntries) },
    )
  }
  const entries: FeedEntry[] = []
  // Ids of entries[i] are first + i: entries are found by arithmetic, not by search.
  let first = 1
  let next = 1
  const listeners = new Set<FeedListener>()

  const since = (cursor: string | null): FeedEntry[] => {
    const after = cursor === null ? Number.NaN : Number(cursor)
    if (!Number.isInteger(after)) return entries.slice()
    if (after >= next) return []
    return entries.slice(Math.max(0, after + 1 - first))
  }

  return {
    append(data) {
      // Serialised once here so a later mutation by the caller cannot change what was streamed.
      const entry: FeedEntry = { id: String(next++), data: JSON.parse(JSON.stringify(data)) }
      entries.push(entry)
      if (entries.length > maxEntries) {
        entries.splice(0, entries.length - maxEntries)
        first = next - maxEntries
      }
      for (const listener of listeners) listener(entry)
      return entry.id
    },
    since,
    subscribe(cursor, push) {
      // Appends are synchronous, so nothing can slip between the replay and the subscription.
      for (const entry of since(cursor)) push(entry)
      listeners.add(push)
      return () => {
        listeners.delete(push)
      }
    },
    get lastId() {
      return next === 1 ? null : String(next - 1)
    },
  }
}
