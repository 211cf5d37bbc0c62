import { isDeepStrictEqual } from 'node:util'
import type { Middleware } from '@reduxjs/toolkit'
import { sync } from '../../middleware/sync/sync'
import type { SyncInstance } from '../../middleware/sync/types'
import { type ClientSocket, live, startRelay } from '../sync/helpers'
import { makeHistoryStore } from './helpers'

export type HistoryClient = ReturnType<typeof makeHistoryStore> & {
  socket: ClientSocket
  mw: SyncInstance
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A relay on port 0 and clients that sync `board` in `room` and record their own history. */
export async function startHistoryRelay(room: string) {
  const r = await startRelay()
  const clients: HistoryClient[] = []
  return {
    ...r,
    clients,
    async stop() {
      for (const c of clients) c.mw.stop()
      await r.stop()
    },
    async client(
      clientId: string,
      now?: () => number,
      watchers: Middleware[] = [],
    ): Promise<HistoryClient> {
      const socket = r.socketFor()
      const mw = sync({ allowKeys: ['board'], socket, room, clientId })
      const made = makeHistoryStore({ keys: ['board'], ...(now ? { now } : {}) }, [
        mw.middleware,
        ...watchers,
      ])
      const client = { ...made, socket, mw }
      clients.push(client)
      await live(made.store as never, room)
      return client
    },
    /**
     * Waits until every client is live with nothing pending and shows the
     * relay's room state; returns that state. Throws after `timeoutMs`.
     */
    async converged(timeoutMs = 20_000): Promise<Record<string, unknown>> {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const settled = clients.every((c) => {
          const s = c.store.getState().patchwire.sync[room]
          return s?.connection === 'live' && s.pending === 0
        })
        if (settled) {
          const state = await r.roomState(room)
          if (clients.every((c) => isDeepStrictEqual(c.store.getState().board, state.board)))
            return state
        }
        if (Date.now() > deadline) {
          throw new Error(
            `not converged: relay ${JSON.stringify((await r.roomState(room)).board)}, clients ${clients
              .map((c) => JSON.stringify(c.store.getState().board))
              .join(' | ')}`,
          )
        }
        await sleep(10)
      }
    },
  }
}
