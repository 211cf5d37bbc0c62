import type { Dispatch, MiddlewareAPI } from '@reduxjs/toolkit'
import { applyPatch } from '../../src/actions'
import { createHlc, formatHlc, type HybridLogicalClock } from '../../src/hlc'
import type { StoreHub } from '../storeHub'
import { type AllowedPath, diffPaths } from './allowedPaths'
import type { ResolvedSyncOptions } from './options'
import { createPeerLog, type PeerLog } from './peerLog'
import { createStartBuffer } from './startBuffer'
import type { StatusReporter } from './statusReporter'
import type { SyncController } from './syncController'
import { createBroadcastChannelTransport } from './transports/broadcastChannel'
import type { PeerChange } from './types'

interface PeerControllerDeps {
  api: MiddlewareAPI<Dispatch>
  hub: StoreHub
  options: ResolvedSyncOptions
  paths: readonly AllowedPath[]
  status: StatusReporter
  randomId: () => string
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v)

function readPeerChange(message: unknown, room: string): PeerChange | undefined {
  if (!isObject(message) || message.type !== 'change' || message.room !== room) return undefined
  const c = message.change
  if (
    !isObject(c) ||
    typeof c.id !== 'string' ||
    typeof c.ts !== 'string' ||
    typeof c.origin !== 'string' ||
    !Array.isArray(c.ops)
  ) {
    return undefined
  }
  return { id: c.id, ts: c.ts, origin: c.origin, ops: c.ops }
}

/**
 * Peer mode: no relay. Each local change is stamped and broadcast; every peer
 * folds all changes in timestamp order (see `createPeerLog`), so tabs converge
 * whatever order the channel delivers in.
 */
export function createPeerController(deps: PeerControllerDeps): SyncController {
  const { api, hub, options, paths, status } = deps
  const room = options.room
  const clientId = options.clientId ?? deps.randomId()
  const transport = options.transport ?? createBroadcastChannelTransport(`patchwire:${room}`)
  let log: PeerLog | undefined
  let shown: Record<string, unknown> = {}
  let clock: HybridLogicalClock | undefined
  let counter = 0
  let stopped = false
  // Changes that arrive while persist is still loading wait for the start state.
  const early: PeerChange[] = []
  const startBuffer = createStartBuffer(api.getState(), paths)

  const receive = (change: PeerChange) => {
    if (!log || !clock) return
    try {
      clock.receive(change.ts)
    } catch {
      return
    }
    if (!log.insert(change)) return
    const ops = diffPaths(shown, log.state, paths)
    shown = log.state
    if (ops.length === 0) return
    api.dispatch(
      applyPatch(
        {
          changes: [
            { source: 'sync', room, ops, id: change.id, origin: change.origin, ts: change.ts },
          ],
        },
        { RTK_autoBatch: true },
      ),
    )
  }

  const unsubscribe = transport.subscribe((message) => {
    const change = readPeerChange(message, room)
    if (!change || change.origin === clientId) return
    if (log) receive(change)
    else early.push(change)
  })

  hub.whenHydrated().then(() => {
    if (stopped) return
    clock = createHlc(clientId)
    log = createPeerLog(startBuffer.genesis)
    shown = log.state
    for (const ops of startBuffer.takeLocal()) broadcast(ops)
    status.set({ connection: 'live', joinedOnce: true }, true)
    for (const change of early.splice(0)) receive(change)
  })

  const broadcast = (ops: PeerChange['ops']) => {
    if (!log || !clock) return
    const change: PeerChange = {
      id: `${clientId}:${++counter}`,
      ts: formatHlc(clock.now()),
      origin: clientId,
      ops,
    }
    log.insert(change)
    shown = log.state
    transport.send({ type: 'change', room, change })
  }

  return {
    externalChange(prev, next) {
      if (!log) startBuffer.external(prev, next)
    },
    localChange(prev, next) {
      if (!log) startBuffer.local(prev, next)
      if (!log || stopped) return
      const ops = diffPaths(prev, next, paths, true)
      if (ops.length > 0) broadcast(ops)
    },
    stop() {
      if (stopped) return
      stopped = true
      unsubscribe()
      transport.close()
      status.set({ connection: 'offline' }, true)
      status.stop()
    },
  }
}
