import type { MiddlewareAPI } from '@reduxjs/toolkit'
import { countersIncremented } from '../../slices/statusActions'
import { applyPatch, patchRejected } from '../../src/actions'
import { schemaShape, validateSync } from '../../src/schemaGate'
import type { Change, PatchIssue } from '../../src/types'
import { readSinkOutcome } from '../../src/withPatchwire'
import type { PersistFilter } from './filter'
import type { ResolvedPersistOptions } from './options'

/** What a restore did, per top-level key. */
export interface RestoreOutcome {
  restored: string[]
  rejected: string[]
}

function validate(
  cfg: ResolvedPersistOptions,
  state: Record<string, unknown>,
  topKey: string,
  value: unknown,
): PatchIssue[] | null {
  if (!cfg.schema) return null
  const shape = schemaShape(cfg.schema)
  if (shape) {
    const part = shape[topKey]
    return part ? validateSync(part, value, [topKey]) : null
  }
  const { [cfg.statusKey]: _status, ...rest } = state
  return validateSync(cfg.schema, { ...rest, [topKey]: value })
}

/** Lays the tab's own parts (early changes, synced paths) over a value about to be restored. */
export type RestoreOverlay = (topKey: string, value: unknown, current: unknown) => unknown

/**
 * Dispatches stored values as ONE `applyPatch` (source `'persist'`), one
 * change per top-level key so a bad key is refused alone. Values failing the
 * `schema` option are reported as `patchRejected` (stage `'client'`) and left
 * out; the sink validates the rest with the store's own schema. `overlay`
 * runs on each value before it is validated.
 */
export function restoreValues(
  api: MiddlewareAPI,
  cfg: ResolvedPersistOptions,
  filter: PersistFilter,
  values: ReadonlyMap<string, unknown>,
  overlay?: RestoreOverlay,
): RestoreOutcome {
  const state = api.getState() as Record<string, unknown>
  const persisted = new Set(filter.keys(state))
  const outcome: RestoreOutcome = { restored: [], rejected: [] }
  const changes: Change[] = []
  const keys: string[] = []
  const at = cfg.now()
  for (const [topKey, stored] of values) {
    // A key the store no longer has (or no longer persists) stays in storage but is not restored.
    if (!persisted.has(topKey)) continue
    const laid = filter.fromStored(topKey, stored, state[topKey])
    const value = overlay ? overlay(topKey, laid, state[topKey]) : laid
    const change: Change = {
      source: 'persist',
      origin: cfg.writerId,
      ops: [{ op: 'add', path: [topKey], value }],
    }
    const issues = validate(cfg, state, topKey, value)
    if (issues) {
      outcome.rejected.push(topKey)
      api.dispatch(
        patchRejected({ change, source: 'persist', reason: 'schema', issues, stage: 'client', at }),
      )
      continue
    }
    changes.push(change)
    keys.push(topKey)
  }
  if (changes.length === 0) return outcome
  // Stamping `at` here keeps this action object the one the sink records its outcome on.
  const action = applyPatch({ changes }, { at })
  api.dispatch(action)
  const refused = new Set(readSinkOutcome(action)?.rejected.map((r) => r.index))
  keys.forEach((k, i) => {
    if (refused.has(i)) outcome.rejected.push(k)
    else outcome.restored.push(k)
  })
  return outcome
}

/**
 * Counts a stored entry that could not be decoded (unparseable payload, no or
 * a malformed header) as a parse error: it is damaged data, not a value the
 * schema refused, so it is not a rejection.
 */
export function reportCorrupt(api: MiddlewareAPI): void {
  api.dispatch(countersIncremented({ parseErrors: 1 }))
}
