import type { Dispatch, MiddlewareAPI } from '@reduxjs/toolkit'
import { countersIncremented, type SyncStatus } from '../../slices/patchwireSlice'
import { applyPatch, patchRejected } from '../../src/actions'
import type { RelayChange } from '../../src/protocol'
import type { Change } from '../../src/types'
import type { StoreHub } from '../storeHub'
import type { ConfirmedModel, VisibleStep } from './confirmedModel'
import type { WriteGuard } from './guarantees/writeGuard'
import type { ResolvedSyncOptions } from './options'
import type { ReissuedCopies } from './outbox/reissued'
import type { SessionOutcome } from './sessionOutcome'
import type { StatusReporter } from './statusReporter'

interface OutcomeRouterDeps {
  api: MiddlewareAPI<Dispatch>
  hub: StoreHub
  options: ResolvedSyncOptions
  clientId: string
  model: ConfirmedModel
  status: StatusReporter
  /** The pending count and paths (`createPendingStatus`). */
  pendingStatus: () => Partial<SyncStatus>
  guard: WriteGuard | undefined
  copies: ReissuedCopies
  /** A relay change was seen: the clock and the id counter go past it. */
  saw(change: RelayChange): void
  /** The relay accepted a (re)join of the room on this connection. */
  joined(): void
}

/** Dispatches visible steps as one `applyPatch` with source `'sync'`. */
export function dispatchSteps(api: MiddlewareAPI<Dispatch>, room: string, steps: VisibleStep[]) {
  const changes: Change[] = []
  for (const step of steps) {
    if (step.ops.length === 0) continue
    const change: Change = { source: 'sync', room, ops: step.ops }
    const c = step.change
    if (c) Object.assign(change, { seq: c.seq, id: c.id, origin: c.origin, ts: c.ts })
    changes.push(change)
  }
  if (changes.length > 0) api.dispatch(applyPatch({ changes }, { RTK_autoBatch: true }))
}

/**
 * The one place a relay session's outcomes go: the visible steps become an
 * `applyPatch`, refusals become `patchRejected` (and `onPatchRejected`), the
 * write guard is told what was accepted, renamed or refused and how the
 * connection stands, and the status slice gets the fields and counters.
 *
 * @example
 * ```ts
 * const route = createOutcomeRouter(deps)
 * const session = createRelaySession(socket, settings, model, ids, route)
 * ```
 */
export function createOutcomeRouter(deps: OutcomeRouterDeps): (outcome: SessionOutcome) => void {
  const { api, hub, options, model, guard, copies } = deps
  const room = options.room
  const now = options.now

  return (outcome) => {
    for (const { from, to } of outcome.renamed) {
      copies.renamed(from, to)
      guard?.renamed(from, to)
    }
    const steps = outcome.steps
    let pendingMoved = false
    for (const change of outcome.seen) {
      deps.saw(change)
      const step = copies.seen(change, model)
      if (step) {
        steps.push(step)
        pendingMoved = true
      }
    }
    for (const { id, seq } of outcome.accepted) guard?.accepted(id, seq)
    dispatchSteps(api, room, steps)
    for (const { change, reason, issues } of outcome.refused) {
      const payload = {
        change: { ...change, source: 'local' as const, origin: deps.clientId, room },
        source: 'local' as const,
        reason,
        issues,
        stage: 'relay' as const,
        at: now(),
      }
      api.dispatch(patchRejected(payload))
      options.onPatchRejected?.(payload)
      guard?.refused(change.id, reason, issues)
    }
    if (Object.keys(outcome.counters).length > 0)
      api.dispatch(countersIncremented(outcome.counters))
    const fields = outcome.status
    if (fields.connection !== undefined) guard?.connection(fields.connection)
    if (fields.pending !== undefined || pendingMoved) Object.assign(fields, deps.pendingStatus())
    if (Object.keys(fields).length > 0 || outcome.urgent) deps.status.set(fields, outcome.urgent)
    if (outcome.joined) deps.joined()
    if (outcome.lost !== undefined) options.onConnectionLost?.({ room, reason: outcome.lost })
    if (outcome.changed || pendingMoved) hub.durableChanged()
  }
}
