import type { PatchwireCounters, SyncStatus } from '../../slices/patchwireSlice'
import type { RelayChange } from '../../src/protocol'
import type { PatchIssue } from '../../src/types'
import type { PendingChange, VisibleStep } from './confirmedModel'

/** Counters a relay session moves (`applied` and `rejected` move with the actions themselves). */
export type SessionCounters = Partial<Omit<PatchwireCounters, 'applied' | 'rejected'>>

/** A pending change the relay refused, after its rollback. */
export interface SessionRefusal {
  change: PendingChange
  reason: string
  issues: PatchIssue[]
}

/**
 * What one step of a relay session (a join, a catch-up, a push answer, a
 * relay change, a connection event) did, for the one place that routes it:
 * the visible steps become an `applyPatch`, the write guard is told what was
 * accepted, renamed or refused and how the connection stands, the status
 * slice gets the fields and counters.
 */
export interface SessionOutcome {
  /** What the visible state must do, in order. */
  steps: VisibleStep[]
  /** Pending changes of this client the relay accepted, with their sequence. */
  accepted: { id: string; seq: number }[]
  /** Pending changes that took a new id before they were pushed. */
  renamed: { from: string; to: string }[]
  refused: SessionRefusal[]
  /** Relay changes offered to the model, as they arrived. */
  seen: RelayChange[]
  /** Status fields to report; `urgent` ones go out at once. */
  status: Partial<SyncStatus>
  urgent: boolean
  counters: SessionCounters
  /** The relay accepted a (re)join of the room on this connection. */
  joined: boolean
  /** The connection was lost, for this reason. */
  lost: string | undefined
  /** The model changed in a way worth saving. */
  changed: boolean
}

/** An outcome in which nothing happened yet. */
export function emptyOutcome(): SessionOutcome {
  return {
    steps: [],
    accepted: [],
    renamed: [],
    refused: [],
    seen: [],
    status: {},
    urgent: false,
    counters: {},
    joined: false,
    lost: undefined,
    changed: false,
  }
}
