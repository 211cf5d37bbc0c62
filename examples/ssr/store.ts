import { createSlice } from '@reduxjs/toolkit'
import { stream, sync } from 'patchwire'
import { METRICS_URL } from '../dashboard/store'
import { exampleStore } from '../shared/exampleStore'
import { relaySocket } from '../shared/relaySocket'
import { SsrPageState } from '../shared/schemas'
import { SSR_ROOM, type SsrHandoff, type SsrState } from './handoff'

// No reducers of their own: messages arrive through sync, points through the stream.
const chat = createSlice({
  name: 'chat',
  initialState: { messages: [] } as SsrState['chat'],
  reducers: {},
})
const metrics = createSlice({
  name: 'metrics',
  initialState: { window: {}, latest: null } as SsrState['metrics'],
  reducers: {},
})

/** The page's store, started from what the server rendered. */
export function makeSsrStore(handoff: SsrHandoff) {
  const socket = relaySocket()
  return exampleStore({
    reducers: { chat: chat.reducer, metrics: metrics.reducer },
    schema: SsrPageState,
    sockets: [socket],
    preloadedState: handoff.state,
    transports: [
      // The preloaded `chat` is the room at `seq`: join after it, no snapshot.
      sync({ room: SSR_ROOM, allowKeys: ['chat'], socket, rendered: { seq: handoff.seq } })
        .middleware,
      // The preloaded metrics end at `cursor`: resume after it.
      stream({ id: 'metrics', url: METRICS_URL, format: 'sse', cursor: handoff.cursor }).middleware,
    ],
  })
}
