import type { PendingChange } from './confirmedModel'

/** What a relay session is for: one room, under one client id. */
export interface RelaySessionSettings {
  room: string
  clientId: string
  schemaVersion: string | number
  readOnly: boolean
  /** How long local changes wait to be pushed together; 0: the next microtask. */
  batchMs: number
}

/** The client's ids, which the session renames pending changes to. */
export interface SessionIds {
  /** The next id of this client (for a change refused `id_conflict`), or `undefined` to give up on it. */
  renumber(change: PendingChange): string | undefined
  /**
   * The relay holds ids of this client up to `counter` (told on join, before
   * anything is pushed): the pending changes made here that could collide,
   * with the ids they take instead.
   */
  continueAfter(counter: number): { change: PendingChange; to: string }[]
}

/** The relay side of sync for one room on one socket. */
export interface RelaySession {
  /** Local changes were added to the model: push them (coalesced by `batchMs`). */
  localChanged(): void
  stop(): void
}
