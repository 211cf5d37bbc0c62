import type { PatchwireCounters, SyncStatus } from '../../slices/patchwireSlice'
import type { RejectReason, RelayChange } from '../../src/protocol'
import type { PatchIssue } from '../../src/types'
import type { ConfirmedModel, PendingChange, VisibleStep } from './confirmedModel'

/** Counters a relay session moves (`applied` and `rejected` move with the actions themselves). */
export type SessionCounters = Partial<Omit<PatchwireCounters, 'applied' | 'rejected'>>

/** A pending change the relay refused, after its rollback. */
export interface SessionRefusal {
  change: PendingChange
  reason: RejectReason
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

/** Records one step's outcome while the step moves the model (see `createOutcomeRecorder`). */
export interface OutcomeRecorder {
  /** The outcome recorded so far, handed over and started afresh. */
  take(): SessionOutcome
  status(fields: Partial<SyncStatus>, urgent?: boolean): void
  count(counters: SessionCounters): void
  apply(step: VisibleStep | undefined): void
  /** The steps of a drain: the pending changes of this client among them were accepted. */
  drained(steps: readonly VisibleStep[]): void
  /** Offers a relay change to the model. */
  offer(change: RelayChange): void
  /** A pending change the relay accepted at `seq`, which `B` includes, leaves `P`. */
  held(id: string, seq: number): void
  /** The model's sequence and pending count, and the lag behind `lagFrom`. */
  reportModel(lagFrom?: RelayChange): void
  /** The model changed in a way worth saving. */
  changed(): void
  renamed(from: string, to: string): void
  refused(refusal: SessionRefusal): void
  joined(): void
  lost(reason: string): void
}

/**
 * The recorder a relay session writes each step's outcome with, so that
 * what the step did reaches the router once, in one value.
 *
 * @example
 * ```ts
 * const record = createOutcomeRecorder(model)
 * record.drained(model.drain().steps)
 * route(record.take())
 * ```
 */
export function createOutcomeRecorder(model: ConfirmedModel): OutcomeRecorder {
  let out = emptyOutcome()
  const recorder: OutcomeRecorder = {
    take() {
      const done = out
      out = emptyOutcome()
      return done
    },
    status(fields, urgent = false) {
      Object.assign(out.status, fields)
      if (urgent) out.urgent = true
    },
    count(counters) {
      for (const [key, n] of Object.entries(counters) as [keyof SessionCounters, number][]) {
        out.counters[key] = (out.counters[key] ?? 0) + n
      }
    },
    apply(step) {
      if (step) out.steps.push(step)
    },
    drained(steps) {
      for (const step of steps) {
        // A relay change under a pending id that is not that change (another
        // process under the same client id) confirms nothing.
        if (step.change && step.own) out.accepted.push({ id: step.change.id, seq: step.change.seq })
        out.steps.push(step)
      }
    },
    offer(change) {
      out.seen.push(change)
      model.offer(change)
    },
    held(id, seq) {
      const step = model.held(id, seq)
      if (!step) return
      out.accepted.push({ id, seq })
      out.steps.push(step)
    },
    reportModel(lagFrom) {
      recorder.status({ lastSeq: model.lastSeq, pending: model.pending.length })
      if (!lagFrom) return
      const wall = Number(lagFrom.ts.slice(0, 15))
      // A room seed carries the oldest possible timestamp (wall 0) so any real write wins;
      // it says nothing about delivery delay.
      if (Number.isFinite(wall) && wall > 0)
        recorder.status({ lagMs: Math.max(0, Date.now() - wall) })
    },
    changed() {
      out.changed = true
    },
    renamed(from, to) {
      out.renamed.push({ from, to })
      out.changed = true
    },
    refused(refusal) {
      out.refused.push(refusal)
    },
    joined() {
      out.joined = true
    },
    lost(reason) {
      out.lost = reason
    },
  }
  return recorder
}
