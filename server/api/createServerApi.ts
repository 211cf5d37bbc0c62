import { describeValue, PatchwireError } from '../../src/errors'
import type { PushResult } from '../../src/protocol'
import type { Room } from '../relay/room'
import type { ResolvedVersionOptions } from '../relay/roomVersion'
import type { RelayHandshake, RelayLimits, RelayLogEntry, RoomAccess } from '../relay/types'
import type { RelayStore, RoomVersionInfo } from '../store/types'
import type { ChangeHub } from './createChangeHub'
import { roomFeed } from './roomFeed'
import { createRoomVersions, RESTORE_WRITER } from './roomVersions'
import type { ServerWriter } from './serverWriter'
import type {
  OnChangeOptions,
  RelayAdmission,
  RestoreVersionResult,
  RoomChangeListener,
  RoomChangesOptions,
  RoomFeedItem,
  RoomState,
  ServerWriteOptions,
  SnapshotVersionResult,
} from './types'
import { watchChanges } from './watchChanges'

/** What the server-side API needs from its relay. */
export interface ServerApiDeps {
  store: RelayStore
  limits: RelayLimits
  versions: ResolvedVersionOptions
  now: () => number
  /** The room, loaded on first use. */
  room: (name: string) => Room
  /** Drops the room from memory once its queued work is done, when no socket is in it. */
  release: (name: string) => void
  hub: ChangeHub
  writer: ServerWriter
  closing: () => boolean
  /** `authenticate`, when the relay has one. */
  authenticate: ((handshake: RelayHandshake) => unknown) | undefined
  allowed: (principal: unknown, room: string, access: RoomAccess) => Promise<boolean>
  log: (entry: RelayLogEntry) => void
}

/** The methods `createRelay` adds to a relay for code running beside it. */
export interface ServerApi {
  read(room: string): Promise<RoomState>
  write(room: string, ops: unknown, options: ServerWriteOptions): Promise<PushResult>
  changes(options: RoomChangesOptions): AsyncGenerator<RoomFeedItem, void, undefined>
  onChange(listener: RoomChangeListener, options?: OnChangeOptions): () => void
  admit(handshake: RelayHandshake, room: string, access: RoomAccess): Promise<RelayAdmission>
  versions(room: string): Promise<RoomVersionInfo[]>
  snapshotVersion(room: string): Promise<SnapshotVersionResult>
  restoreVersion(room: string, id: string): Promise<RestoreVersionResult>
  /** Ends every feed and listener (the relay is closing): nothing keeps reading a closed store. */
  stop(): void
}

function roomOption(value: unknown, method: string, limits: RelayLimits): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > limits.maxIdLength) {
    throw new PatchwireError(
      'option',
      `relay.${method}: room must be a non-empty string of at most ${limits.maxIdLength} characters, received ${describeValue(value)}.`,
      { option: 'room', received: describeValue(value) },
    )
  }
  return value
}

/** Builds the server-side API of a relay (see `Relay` for what each method promises). */
export function createServerApi(deps: ServerApiDeps): ServerApi {
  const { limits } = deps
  const read = async (name: string): Promise<RoomState> => {
    const ack = await deps.room(name).read(undefined)
    deps.release(name)
    // Without `since` a room answers with its snapshot.
    return { seq: ack.seq, state: 'snapshot' in ack ? ack.snapshot : {} }
  }
  const feedDeps = { store: deps.store, read, hub: deps.hub, log: deps.log }
  const write = async (room: string, ops: unknown, options: ServerWriteOptions) => {
    const c = deps.writer.change(ops, options)
    if (deps.closing()) {
      return {
        id: c.change.id,
        reason: 'unavailable',
        message: 'The relay is shutting down.',
      } as const
    }
    const big = deps.writer.tooLarge(room, c)
    if (big) return big
    const [result] = await deps.room(room).push(c.origin, [c.change])
    deps.release(room)
    return result!
  }
  const roomVersions = createRoomVersions({
    store: deps.store,
    limits,
    versions: deps.versions,
    now: deps.now,
    read,
    write: (room, ops) => write(room, ops, { origin: RESTORE_WRITER }),
  })
  const stopping = new AbortController()
  const listeners = new Set<() => void>()

  return {
    read: (room) => read(roomOption(room, 'read', limits)),

    write: (room, ops, options) => write(roomOption(room, 'write', limits), ops, options),

    versions: async (room) => roomVersions.versions(roomOption(room, 'versions', limits)),

    snapshotVersion: async (room) =>
      roomVersions.snapshotVersion(roomOption(room, 'snapshotVersion', limits)),

    async restoreVersion(room, id) {
      roomOption(room, 'restoreVersion', limits)
      if (typeof id !== 'string' || id.length === 0) {
        throw new PatchwireError(
          'option',
          `relay.restoreVersion: id must be a version id from relay.versions, received ${describeValue(id)}.`,
          { option: 'id', received: describeValue(id) },
        )
      }
      return roomVersions.restoreVersion(room, id)
    },

    changes(options) {
      const room = roomOption(options?.room, 'changes', limits)
      const { since, pollMs = 1000, signal } = options
      if (since !== undefined && (!Number.isSafeInteger(since) || since < 0)) {
        throw new PatchwireError(
          'option',
          `relay.changes: since must be a non-negative integer, received ${describeValue(since)}.`,
          { option: 'since', received: describeValue(since) },
        )
      }
      if (!Number.isSafeInteger(pollMs) || pollMs < 1) {
        throw new PatchwireError(
          'option',
          `relay.changes: pollMs must be a positive integer, received ${describeValue(pollMs)}.`,
          { option: 'pollMs', received: describeValue(pollMs) },
        )
      }
      return roomFeed(feedDeps, {
        room,
        pollMs,
        signal: signal ? AbortSignal.any([signal, stopping.signal]) : stopping.signal,
        ...(since !== undefined ? { since } : {}),
      })
    },

    onChange(listener, options = {}) {
      if (typeof listener !== 'function') {
        throw new PatchwireError(
          'option',
          `relay.onChange: listener must be a function, received ${describeValue(listener)}.`,
          { option: 'listener', received: describeValue(listener) },
        )
      }
      const room =
        options.room === undefined ? undefined : roomOption(options.room, 'onChange', limits)
      const unsubscribe = watchChanges(feedDeps, listener, room)
      const off = () => {
        listeners.delete(off)
        unsubscribe()
      }
      listeners.add(off)
      return off
    },

    stop() {
      stopping.abort()
      for (const off of [...listeners]) off()
    },

    async admit(handshake, room, access) {
      let principal: unknown
      if (deps.authenticate) {
        try {
          principal = await deps.authenticate(handshake)
        } catch (err) {
          const message = err instanceof Error ? err.message : 'Authentication failed.'
          return { ok: false, reason: 'unauthenticated', message }
        }
      }
      if (!(await deps.allowed(principal, room, access))) {
        return { ok: false, reason: 'forbidden', message: `No ${access} access to room "${room}".` }
      }
      return { ok: true, principal }
    },
  }
}
