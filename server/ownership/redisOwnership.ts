import { randomUUID } from 'node:crypto'
import { describeValue, PatchwireError } from '../../src/errors'
import type { RoomOwnership } from '../relay/roomOwnership'
import { redisLeases } from '../store/redisLease'
import type { RedisRelayStore } from '../store/redisStore'
import { redisForwarding } from './redisForwarding'
import { createRoomOwner } from './roomOwner'

export interface RedisOwnershipOptions {
  /**
   * How long a room's lease lasts without renewal (the owner renews it every
   * third of this). A node that dies holds its rooms this long at most;
   * meanwhile their pushes are answered `unavailable` and retried. Keep it
   * well above the slowest Redis write you expect (with `appendfsync always`
   * a renewal waits for the disk): an owner whose renewals arrive late loses
   * its rooms and its clients' pushes are refused until they move.
   * @defaultValue 10000
   */
  leaseMs?: number
  /**
   * How long a forwarded push waits for the owner's answer before it is
   * answered `unavailable`. On one Redis server only a node that is alive
   * but stalled makes a push wait this long: a node that is gone is known at
   * once. On a Redis Cluster a node that died holding the room's lease is
   * waited for too (a publish's count proves nothing there), until its lease
   * runs out.
   * @defaultValue 10000
   */
  forwardTimeoutMs?: number
  /**
   * A lease nobody pushed under for this long is released, so a room's
   * ownership follows its writers.
   * @defaultValue 30000
   */
  idleMs?: number
  /** This node's id in leases and forwarding channels; unique per running node. @defaultValue a random UUID */
  node?: string
}

function positive(
  options: RedisOwnershipOptions,
  option: keyof RedisOwnershipOptions,
  fallback: number,
): number {
  const value = options[option]
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new PatchwireError(
      'option',
      `redisOwnership ${option} must be a positive integer (ms), received ${describeValue(value)}.`,
      { option, received: describeValue(value) },
    )
  }
  return value
}

/**
 * One writer per room for relay nodes sharing a Redis store: pass it to
 * `createRelay({ ownership })` on every node. The node that holds a room's
 * lease (a key beside the room's log, with a fencing token) is the only one
 * that appends to it; the others forward their clients' pushes to it over
 * Redis pub/sub and answer with its verdicts, so appends never race and none
 * is redone. Every append carries the token and the store's script refuses
 * it once another node holds the lease, so a paused or cut-off node can
 * never append. Closing a relay releases its leases (another node takes over
 * at the next push); a node that dies loses them after `leaseMs`.
 *
 * @example
 * ```ts
 * const store = redisStore('redis://127.0.0.1:6379')
 * const fanout = redisAdapter(store.client)
 * const relay = createRelay({ store, adapter: fanout.adapter, ownership: redisOwnership(store) })
 * ```
 */
export function redisOwnership(
  store: RedisRelayStore,
  options: RedisOwnershipOptions = {},
): RoomOwnership {
  const node = options.node ?? randomUUID()
  if (typeof node !== 'string' || node.length === 0 || /\s/.test(node)) {
    throw new PatchwireError(
      'option',
      `redisOwnership node must be a non-empty string without spaces, received ${describeValue(node)}.`,
      { option: 'node', received: describeValue(node) },
    )
  }
  const leaseMs = positive(options, 'leaseMs', 10_000)
  const timeoutMs = positive(options, 'forwardTimeoutMs', 10_000)
  const idleMs = positive(options, 'idleMs', 30_000)
  const leases = redisLeases(store)
  return createRoomOwner(
    leases,
    redisForwarding(store, {
      channel: `${store.prefix}node:`,
      timeoutMs,
      leaseHolder: (room) => leases.holder(room),
    }),
    { node, leaseMs, idleMs },
  )
}
