import { io } from 'socket.io-client'
import type { JoinAck, PushResult } from '../../src/protocol'
import type { PatchOp } from '../../src/types'
import type { RestartKind } from './convergenceModel'
import type { ClientSocket } from './helpers'

/** Where the clients connect, and what the operators can do to the relay. */
export interface ConvergenceTarget {
  /** The relay URL client number `i` of a case connects to. */
  clientUrl(i: number): string
  /** A relay URL to read the room's log and snapshot through. */
  inspectUrl(): string
  /** The handshake `auth` of `principal` (a JWT the relay accepts). */
  auth(principal: string): Record<string, unknown>
  /** The restarts this target can do. */
  restarts: readonly RestartKind[]
  /** Restarts the relay (or one node, or Redis) during case number `caseNo`. */
  restart(how: RestartKind, caseNo: number): Promise<void>
  /** The room's state through the server-side API (`relay.read`); without it, an inspecting socket reads it. */
  read?(room: string): Promise<{ seq: number; state: Record<string, unknown> }>
  /** The `n`-th server-side write of a case (`relay.write`); absent where the relay is another process. */
  write?(room: string, ops: PatchOp[], n: number): Promise<PushResult>
}

/** What the runs went through, for the report line. */
export interface ConvergenceStats {
  cases: number
  gaps: number
  refetches: number
  restarts: number
  clientRestarts: number
  /** Server-side writes the relay accepted. */
  serverWrites: number
  confirmedWrites: number
  /** Hostile attempts the relay answered (each one refused). */
  hostileRefused: number
  travels: number
}

/** The room's log since `since` (or its snapshot without), as the inspecting user reads it. */
export async function inspect(
  target: ConvergenceTarget,
  room: string,
  since?: number,
): Promise<Extract<JoinAck, { ok: true }>> {
  const socket: ClientSocket = io(target.inspectUrl(), {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    auth: target.auth('inspector'),
  })
  try {
    const ack = await new Promise<JoinAck>((resolve, reject) => {
      // A relay that is restarting refuses the connection or drops it: say so instead of waiting.
      socket.on('connect_error', reject)
      socket.on('disconnect', (why) => reject(new Error(`inspector disconnected: ${why}`)))
      socket.emit(
        'join',
        {
          room,
          schemaVersion: 1,
          clientId: 'inspector',
          ...(since === undefined ? {} : { since }),
        },
        resolve,
      )
    })
    if (!ack.ok) throw new Error(`inspector join refused: ${ack.message}`)
    return ack
  } finally {
    socket.disconnect()
  }
}
