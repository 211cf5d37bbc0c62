import type { PushResult } from '../../src/protocol'
import type { RelayLogEntry } from './types'

/** What a relay gives its room ownership: how to run a push on this node, and when it is idle. */
export interface OwnershipHost {
  /** Runs a push on this node's room: its queue, its checks, its (fenced) append. */
  push(room: string, origin: string, changes: readonly unknown[]): Promise<PushResult[]>
  /** Settles once every room's queued work on this node is done. */
  drained(): Promise<void>
  /** This node gave up the room (nobody wrote for a while): it may leave memory. */
  released(room: string): void
  log(entry: RelayLogEntry): void
}

/**
 * One writer per room across relay nodes: the node that holds a room's lease
 * appends its changes; every other node forwards its clients' pushes there
 * and answers them with the owner's verdicts. `redisOwnership` builds one.
 */
export interface RoomOwnership {
  /** This relay node's id: what the lease names and forwarded pushes are addressed to. */
  readonly node: string
  /** Called once by `createRelay`, before any push. */
  attach(host: OwnershipHost): void
  /**
   * Where a push runs: here when this node owns the room (taking the lease if
   * nobody holds it), else at the owner. Verdicts are `unavailable` while no
   * owner can be reached; clients push those again.
   */
  route(room: string, origin: string, changes: readonly unknown[]): Promise<PushResult[]>
  /** The fencing token this node holds for the room; `undefined` when it does not own it. */
  token(room: string): number | undefined
  /** Told that the store refused an append under `token`: another node owns the room now. */
  lost(room: string, token: number): void
  /** Stops taking work, waits for the queued work, and releases every lease so other nodes take over at once. */
  close(): Promise<void>
}

/** A push one relay node sends to the owner of its room. */
export interface ForwardedPush {
  room: string
  origin: string
  changes: readonly unknown[]
}

/** What a forwarded push comes back with. */
export type ForwardAnswer =
  /** The owner's verdicts, one per change. */
  | { kind: 'verdicts'; results: PushResult[] }
  /** The node addressed does not own the room (any more): look the owner up again. */
  | { kind: 'not_owner' }
  /** No answer: the node is gone, cut off or too slow. */
  | { kind: 'unreachable'; message: string }

/** Carries forwarded pushes between relay nodes. */
export interface PushForwarding {
  /** Starts answering the pushes addressed to `node` with `handle`. */
  listen(node: string, handle: (push: ForwardedPush) => Promise<ForwardAnswer>): Promise<void>
  /** Sends a push to `node` and resolves its answer (never rejects). */
  send(node: string, push: ForwardedPush): Promise<ForwardAnswer>
  /** Stops listening; pushes still waiting for an answer resolve `unreachable`. */
  close(): Promise<void>
}
