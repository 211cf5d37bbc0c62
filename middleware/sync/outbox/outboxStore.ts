import type { DurableStorage } from '../../storeHub'
import type { TabLocks } from '../types'
import {
  outboxIndexKey,
  outboxKey,
  parseOutboxIndex,
  parseTabOutbox,
  type TabOutbox,
} from './tabOutbox'

/** The outboxes of one room in persist's storage, one entry per client id. */
export interface OutboxStore {
  /** The stored outbox (`undefined` when absent or damaged); rejects when the storage fails. */
  read(clientId: string): Promise<TabOutbox | undefined>
  /** The client ids whose outboxes are stored. */
  listed(): Promise<string[]>
  /** Lists a client id in the index (this tab's, before it saves its outbox). */
  list(clientId: string): Promise<void>
  /** Removes the outboxes of gone tabs that held nothing, and their index entries. */
  discard(clientIds: readonly string[]): Promise<void>
  /** Saves an outbox: coalesced, one write at a time, the latest wins. */
  save(outbox: TabOutbox): void
  /** Settles once every save asked for so far was attempted. */
  saved(): Promise<void>
}

/**
 * Stores each tab's outbox under its own key, so tabs never overwrite each
 * other's pending changes (the shared durable entry is last-writer-wins). The
 * index of client ids is shared: it is changed read-modify-write under a tab
 * lock, so two tabs starting at once cannot drop each other's id from it.
 */
export function createOutboxStore(
  where: DurableStorage,
  room: string,
  locks: TabLocks | undefined,
  onError: (error: unknown, key: string) => void,
): OutboxStore {
  const { storage, prefix } = where
  const indexKey = outboxIndexKey(prefix, room)
  // What each outbox should hold, and what a write is known to have stored.
  const wanted = new Map<string, string>()
  const stored = new Map<string, string>()
  let scheduled = false
  let chain: Promise<void> = Promise.resolve()

  const writeWanted = async () => {
    scheduled = false
    for (const [key, text] of [...wanted]) {
      if (stored.get(key) === text) continue
      try {
        await storage.setItem(key, text)
        stored.set(key, text)
      } catch (err) {
        onError(err, key) // retried with the next save
      }
    }
  }

  const get = async (key: string): Promise<unknown> => {
    try {
      return await storage.getItem(key)
    } catch (err) {
      onError(err, key)
      return undefined
    }
  }
  const underIndexLock = (change: (ids: string[]) => string[]): Promise<void> => {
    const run = async () => {
      const before = parseOutboxIndex(await get(indexKey))
      const after = change(before)
      if (after.length === before.length && after.every((id, i) => id === before[i])) return
      try {
        await storage.setItem(indexKey, JSON.stringify(after))
      } catch (err) {
        onError(err, indexKey)
      }
    }
    if (!locks) return run()
    return locks
      .request(`patchwire:sync-outboxes:${room}`, { mode: 'exclusive' }, run)
      .then(() => undefined)
  }

  return {
    async read(clientId) {
      const key = outboxKey(prefix, room, clientId)
      let text: unknown
      try {
        text = await storage.getItem(key)
      } catch (err) {
        onError(err, key)
        throw err
      }
      return parseTabOutbox(text)
    },
    listed: async () => parseOutboxIndex(await get(indexKey)),
    list: (clientId) =>
      underIndexLock((ids) => (ids.includes(clientId) ? ids : [...ids, clientId])),
    async discard(clientIds) {
      if (clientIds.length === 0) return
      for (const id of clientIds) {
        const key = outboxKey(prefix, room, id)
        try {
          await storage.removeItem(key)
        } catch (err) {
          onError(err, key)
        }
      }
      await underIndexLock((ids) => ids.filter((id) => !clientIds.includes(id)))
    },
    save(outbox) {
      wanted.set(outboxKey(prefix, room, outbox.clientId), JSON.stringify(outbox))
      if (scheduled) return
      scheduled = true
      chain = chain.then(writeWanted)
    },
    saved: () => chain,
  }
}
