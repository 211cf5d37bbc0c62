import { configureStore, createSlice, type Middleware, type PayloadAction } from '@reduxjs/toolkit'
import { io, type Socket } from 'socket.io-client'
import { patchwireMiddleware } from '../../middleware/patchwireMiddleware'
import { sync } from '../../middleware/sync/sync'
import type { SyncInstance, SyncOptions } from '../../middleware/sync/types'
import { createRelay } from '../../server/createRelay'
import type { Relay, RelayOptions } from '../../server/relay/types'
import { patchwireReducer } from '../../slices/patchwireSlice'
import type { PatchRejectedPayload } from '../../src/actions'
import type { ClientToServerEvents, JoinAck, ServerToClientEvents } from '../../src/protocol'
import { PATCHWIRE_KEY, withPatchwire } from '../../src/withPatchwire'

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>

export const todos = createSlice({
  name: 'todos',
  initialState: { items: [] as string[] },
  reducers: {
    added(state, action: PayloadAction<string>) {
      state.items.push(action.payload)
    },
  },
})

export const settings = createSlice({
  name: 'settings',
  initialState: { theme: 'light', lang: 'en', fields: {} as Record<string, number> },
  reducers: {
    themeSet(state, action: PayloadAction<string>) {
      state.theme = action.payload
    },
    langSet(state, action: PayloadAction<string>) {
      state.lang = action.payload
    },
    fieldSet(state, action: PayloadAction<{ key: string; value: number }>) {
      state.fields[action.payload.key] = action.payload.value
    },
  },
})

export const draft = createSlice({
  name: 'draft',
  initialState: { text: '' },
  reducers: {
    typed(state, action: PayloadAction<string>) {
      state.text = action.payload
    },
  },
})

export function makeStore(middlewares: Middleware[], rejected: PatchRejectedPayload[] = []) {
  return configureStore({
    reducer: withPatchwire({
      todos: todos.reducer,
      settings: settings.reducer,
      draft: draft.reducer,
      [PATCHWIRE_KEY]: patchwireReducer,
    }),
    middleware: (gDM) =>
      gDM().concat(
        patchwireMiddleware({ onPatchRejected: (r) => rejected.push(r) }),
        ...middlewares,
      ),
  })
}

export type TestStore = ReturnType<typeof makeStore>

/** The synced part of a store's state. */
export const synced = (store: TestStore) => ({
  todos: store.getState().todos,
  settings: store.getState().settings,
})

/** A relay on 127.0.0.1 port 0 that closes everything it handed out. */
export async function startRelay(options: RelayOptions = {}) {
  const relay: Relay = createRelay(options)
  const port = await relay.listen(0, '127.0.0.1')
  const url = `http://127.0.0.1:${port}`
  const clients: { socket: ClientSocket; mw?: SyncInstance }[] = []

  const socketFor = (extra: Record<string, unknown> = {}): ClientSocket => {
    const socket: ClientSocket = io(url, {
      transports: ['websocket'],
      forceNew: true,
      reconnectionDelay: 20,
      reconnectionDelayMax: 100,
      ...extra,
    })
    clients.push({ socket })
    return socket
  }

  const readRoom = async (room: string) => {
    const socket = socketFor({ reconnection: false })
    const ack = await new Promise<JoinAck>((resolve) =>
      socket.emit('join', { room, schemaVersion: 1, clientId: 'inspector' }, resolve),
    )
    socket.disconnect()
    if (!ack.ok || !('snapshot' in ack)) throw new Error(`no snapshot: ${JSON.stringify(ack)}`)
    return { state: ack.snapshot, seq: ack.seq }
  }

  return {
    relay,
    url,
    socketFor,
    /** A store syncing `room` through this relay. */
    client(
      options: Partial<SyncOptions> & { room: string },
      socketOptions: Record<string, unknown> = {},
    ) {
      const socket = options.socket ?? socketFor(socketOptions)
      const rejected: PatchRejectedPayload[] = []
      const mw = sync({ allowKeys: ['todos', 'settings'], socket, ...options })
      clients.push({ socket, mw })
      const store = makeStore([mw.middleware], rejected)
      return { store, socket, mw, rejected }
    },
    /** The room's state as the relay holds it (a fresh join returns its snapshot). */
    roomState: async (room: string): Promise<Record<string, unknown>> =>
      (await readRoom(room)).state,
    /** The room's last sequence. */
    roomHead: async (room: string): Promise<number> => (await readRoom(room)).seq,
    async stop() {
      for (const c of clients) {
        c.mw?.stop()
        c.socket.disconnect()
      }
      await relay.close()
    },
  }
}

/** Polls `check` until it stops throwing (a wait for asynchronous delivery, not a timing assertion). */
export async function eventually(check: () => void, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      check()
      return
    } catch (err) {
      if (Date.now() > deadline) throw err
      await new Promise((r) => setTimeout(r, 5))
    }
  }
}

/** Resolves once the store's sync status for `room` is live. */
export const live = (store: TestStore, room: string) =>
  eventually(() => {
    if (store.getState().patchwire.sync[room]?.connection !== 'live') throw new Error('not live')
  })
