import type { PatchwireCounters, SyncStatus } from '../../slices/patchwireSlice'
import type { RelayChange } from '../../src/protocol'
import type { PatchIssue } from '../../src/types'
import type { ConfirmedModel, PendingChange, VisibleStep } from './confirmedModel'

type Counters = Partial<Omit<PatchwireCounters, 'applied' | 'rejected'>>

/** What a relay session needs from the middleware that owns it. */
export interface RelaySessionHost {
  room: string
  clientId: string
  schemaVersion: string | number
  readOnly: boolean
  model: ConfirmedModel
  batchMs: number
  /** Dispatches the visible steps as one `applyPatch` with source `'sync'`. */
  apply(steps: VisibleStep[]): void
  rejected(change: PendingChange, reason: string, issues: PatchIssue[]): void
  count(counters: Counters): void
  status(fields: Partial<SyncStatus>, urgent?: boolean): void
  /** The model changed in a way worth saving. */
  changed(): void
  /**
   * The relay holds change ids of this client id up to `counter` (told on
   * join, before anything is pushed): ids made here that could collide are
   * renumbered after it, and new ids continue from there.
   */
  continueAfter(counter: number): void
  /**
   * The relay refused the pending change `id` as `id_conflict`: another
   * process writing under this client id holds that id. Gives the change
   * the next id of this client and returns it, or `undefined` when the
   * change is to be rolled back and reported instead.
   */
  renumber(id: string): string | undefined
  /**
   * A relay change was seen (keeps the local clock ahead of its timestamp,
   * and new ids above the ids it shows under this client id).
   */
  seen(change: RelayChange): void
  connectionLost(reason: string): void
  /** The relay accepted a (re)join of the room on this connection. */
  joined?(): void
}

/** The relay side of sync for one room on one socket. */
export interface RelaySession {
  /** Local changes were added to the model: push them (coalesced by `batchMs`). */
  localChanged(): void
  stop(): void
}
