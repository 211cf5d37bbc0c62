import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import {
  type Action,
  configureStore,
  createSlice,
  type Middleware,
  type PayloadAction,
} from '@reduxjs/toolkit'
import { patchwireMiddleware } from '../../middleware/patchwireMiddleware'
import { stream } from '../../middleware/stream/stream'
import type { StreamOptions } from '../../middleware/stream/types'
import { patchwireReducer } from '../../slices/patchwireSlice'
import type { AnySchema } from '../../src/schemaGate'
import { PATCHWIRE_KEY, withPatchwire } from '../../src/withPatchwire'

/** The app state the stream tests write to: a log of numbers and a map of prices. */
export const feedSlice = createSlice({
  name: 'feed',
  initialState: { items: [] as number[], prices: {} as Record<string, number> },
  reducers: {
    itemAdded(state, action: PayloadAction<number>) {
      state.items.push(action.payload)
    },
  },
})

/** A chunk that appends `n` to `feed.items`. */
export const append = (n: number) => ({
  type: 'patch' as const,
  ops: [{ op: 'add' as const, path: '/feed/items/-', value: n }],
})

export interface TestStoreOptions {
  schema?: AnySchema
  /** Middleware placed before the stream middleware (a fake persist, a slow reducer probe). */
  before?: Middleware[]
}

/** A store with the sink, the core middleware, an action log and one stream. */
export function createTestStore(streamOptions: StreamOptions, options: TestStoreOptions = {}) {
  const actions: Action[] = []
  const logger: Middleware = () => (next) => (action) => {
    actions.push(action as Action)
    return next(action)
  }
  const instance = stream(streamOptions)
  const store = configureStore({
    reducer: withPatchwire(
      { feed: feedSlice.reducer, [PATCHWIRE_KEY]: patchwireReducer },
      options.schema ? { schema: options.schema } : {},
    ),
    middleware: (gDM) =>
      gDM({ serializableCheck: false, immutableCheck: false }).concat(
        logger,
        patchwireMiddleware(),
        ...(options.before ?? []),
        instance.middleware,
      ),
  })
  const ofType = (type: string) => actions.filter((a) => a.type === type)
  return { store, stream: instance, actions, ofType }
}

/** An HTTP server on 127.0.0.1, port 0, that forgets no socket when closed. */
export async function startServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{
  url: string
  server: Server
  close: () => Promise<void>
  requests: IncomingMessage[]
}> {
  const sockets = new Set<Socket>()
  const requests: IncomingMessage[] = []
  const server = createServer((req, res) => {
    requests.push(req)
    handler(req, res)
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
