import { randomUUID } from 'node:crypto'
import { describeValue, PatchwireError } from '../../src/errors'
import type { RoomVersion, RoomVersionReason } from '../store/types'
import type { RoomVersionOptions } from './types'

/** `versions` of `createRelay`, resolved. */
export interface ResolvedVersionOptions {
  keep: number
  onCompaction: boolean
}

/** Resolves `createRelay`'s `versions` option; throws naming the option on misuse. */
export function resolveVersionOptions(
  options: RoomVersionOptions | undefined,
): ResolvedVersionOptions {
  const keep = options?.keep ?? 20
  if (!Number.isSafeInteger(keep) || keep < 1) {
    throw new PatchwireError(
      'option',
      `versions.keep must be a positive integer, received ${describeValue(keep)}.`,
      { option: 'versions.keep', received: describeValue(keep) },
    )
  }
  const onCompaction = options?.onCompaction ?? true
  if (typeof onCompaction !== 'boolean') {
    throw new PatchwireError(
      'option',
      `versions.onCompaction must be a boolean, received ${describeValue(onCompaction)}.`,
      { option: 'versions.onCompaction', received: describeValue(onCompaction) },
    )
  }
  return { keep, onCompaction }
}

/**
 * A version of the room's state at `seq`. The id leads with the sequence so
 * an operator reading a listing sees where each version sits in the log; the
 * random tail keeps ids of two nodes (or two versions at one seq) apart.
 */
export function newRoomVersion(
  seq: number,
  state: Record<string, unknown>,
  reason: RoomVersionReason,
  takenAt: number,
): RoomVersion {
  return { id: `${seq}-${randomUUID().slice(0, 8)}`, seq, takenAt, reason, state }
}
