import { diffState } from '../../src/diff'
import type { PushResult } from '../../src/protocol'
import type { PatchOp } from '../../src/types'
import { newRoomVersion, type ResolvedVersionOptions } from '../relay/roomVersion'
import type { RelayLimits } from '../relay/types'
import type { RelayStore, RoomVersionInfo } from '../store/types'
import type { RestoreVersionResult, RoomState, SnapshotVersionResult } from './types'

/** What room versions need from the server-side API. */
export interface RoomVersionDeps {
  store: RelayStore
  limits: RelayLimits
  versions: ResolvedVersionOptions
  now: () => number
  read: (room: string) => Promise<RoomState>
  /** `relay.write` as the writer `restore`. */
  write: (room: string, ops: PatchOp[]) => Promise<PushResult>
}

/** The writer name of restoring changes: their origin is `server:restore`. */
export const RESTORE_WRITER = 'restore'

/**
 * A restore whose change lost the race to a concurrent push is diffed again
 * against the newer state; this bounds how often before it gives up.
 */
const MAX_RESTORE_ROUNDS = 10

/** Refusals a further round can cure: the state moved under the diff. */
const RETRIED = new Set(['stale', 'bad_request'])

const info = ({ id, seq, takenAt, reason }: RoomVersionInfo): RoomVersionInfo => ({
  id,
  seq,
  takenAt,
  reason,
})

/** One op per top-level key that differs: what a diff too long for one change becomes. */
function topLevelOps(from: Record<string, unknown>, to: Record<string, unknown>): PatchOp[] {
  const ops: PatchOp[] = []
  for (const key of Object.keys(from))
    if (!Object.hasOwn(to, key)) ops.push({ op: 'remove', path: [key] })
  for (const key of Object.keys(to)) {
    if (JSON.stringify(from[key]) === JSON.stringify(to[key])) continue
    ops.push({ op: Object.hasOwn(from, key) ? 'replace' : 'add', path: [key], value: to[key] })
  }
  return ops
}

/** `relay.versions`, `relay.snapshotVersion` and `relay.restoreVersion`. */
export function createRoomVersions(deps: RoomVersionDeps) {
  const unknownRoom = (room: string) =>
    ({
      ok: false,
      reason: 'unknown_room',
      message: `The room "${room}" has never been written.`,
    }) as const

  const take = async (
    room: string,
    reason: 'manual' | 'restore',
  ): Promise<SnapshotVersionResult> => {
    const { seq, state } = await deps.read(room)
    if (seq === 0) return unknownRoom(room)
    const version = newRoomVersion(seq, state, reason, deps.now())
    await deps.store.addVersion(room, version, deps.versions.keep)
    return { ok: true, version: info(version) }
  }

  return {
    versions: (room: string): Promise<RoomVersionInfo[]> => deps.store.versions(room),

    snapshotVersion: (room: string) => take(room, 'manual'),

    async restoreVersion(room: string, id: string): Promise<RestoreVersionResult> {
      if ((await deps.read(room)).seq === 0) return unknownRoom(room)
      const target = await deps.store.readVersion(room, id)
      if (!target) {
        return {
          ok: false,
          reason: 'unknown_version',
          message: `The room "${room}" holds no version "${id}".`,
        }
      }
      const taken = await take(room, 'restore')
      if (!taken.ok) return taken
      // The diff is taken against the state at `seq`; a push accepted between
      // the read and the write makes the restoring change land on another
      // state, so the room is read again until one change landed right after
      // the state it was diffed against, with every op applied.
      let last: PushResult | undefined
      for (let round = 0; round < MAX_RESTORE_ROUNDS; round++) {
        const { seq, state } = await deps.read(room)
        let ops = diffState(state, target.state)
        if (ops.length === 0) return { ok: true, seq, before: taken.version }
        if (ops.length > deps.limits.maxOpsPerChange) ops = topLevelOps(state, target.state)
        last = await deps.write(room, ops)
        if ('reason' in last) {
          if (RETRIED.has(last.reason)) continue
          return {
            ok: false,
            reason: last.reason,
            message: last.message ?? `The room refused the restore (${last.reason}).`,
          }
        }
        if (last.seq === seq + 1 && !('dropped' in last)) {
          return { ok: true, seq: last.seq, before: taken.version }
        }
      }
      return {
        ok: false,
        reason: 'unavailable',
        message: 'Other writers kept changing the room during the restore; restore again.',
      }
    },
  }
}
