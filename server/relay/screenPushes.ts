import type { PushResult } from '../../src/protocol'
import { changeWriter } from './changeWriter'
import type { RelayLimits } from './types'
import { isRefusal, parseChange, type ValidChange } from './validate'

/** A push waiting on a room's queue. */
export interface PendingPush {
  origin: string
  /** The socket that pushed, when it applies its own changes from the answer (no echo). */
  sender?: string | undefined
  changes: readonly unknown[]
  resolve: (results: PushResult[]) => void
}

/** A valid change waiting for its verdict, with the result slot its verdict goes to. */
export interface Candidate {
  change: ValidChange
  origin: string
  /** The socket its broadcast skips (see `PendingPush.sender`). */
  sender: string | undefined
  results: PushResult[]
  slot: number
}

/**
 * Checks every change of a batch of pushes on its own: shape and limits, a
 * timestamp not too far ahead of `now`, an id of the pushing client (see
 * `changeWriter`). Refused changes get their verdict here; the rest become
 * candidates whose slot holds "store failed" until the room decides.
 */
export function screenPushes(
  batch: readonly PendingPush[],
  limits: RelayLimits,
  now: number,
): { candidates: Candidate[]; outputs: PushResult[][] } {
  const candidates: Candidate[] = []
  const outputs: PushResult[][] = []
  for (const p of batch) {
    const results: PushResult[] = []
    outputs.push(results)
    for (const raw of p.changes) {
      const id = (raw as { id: string }).id
      const parsed = parseChange(raw as Record<string, unknown>, limits)
      if (isRefusal(parsed)) results.push({ id, ...parsed })
      else if (parsed.wall > now + limits.maxClockAheadMs) {
        results.push({
          id,
          reason: 'bad_request',
          message: 'The timestamp runs too far ahead of the relay clock.',
        })
      } else {
        const writer = changeWriter(id, p.origin)
        if (typeof writer !== 'string') results.push({ id, ...writer })
        else {
          candidates.push({
            change: parsed,
            origin: p.origin,
            sender: p.sender,
            results,
            slot: results.length,
          })
          results.push({ id, reason: 'unavailable', message: 'The relay store failed.' })
        }
      }
    }
  }
  return { candidates, outputs }
}
