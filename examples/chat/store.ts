import { createSlice, nanoid, type PayloadAction } from '@reduxjs/toolkit'
import { sync } from 'patchwire'
import { exampleStore } from '../shared/exampleStore'
import { relaySocket } from '../shared/relaySocket'
import { ChatState, type Message } from '../shared/schemas'

type Seen = { name: string; seen: number }

/** The rooms the example offers; each is its own relay room `chat:<name>`. */
export const ROOMS = ['lobby', 'random', 'dev'] as const

export const chatSlice = createSlice({
  name: 'chat',
  initialState: { messages: [] as Message[], presence: {} as Record<string, Seen> },
  reducers: {
    // A plain local action: the sync middleware diffs the state it produced and pushes that.
    messageSent: {
      reducer(state, action: PayloadAction<Message>) {
        state.messages.push(action.payload)
      },
      // Ids and clocks are read here, outside the reducer, so replay is exact.
      prepare: (author: string, text: string) => ({
        payload: { id: nanoid(), author, text, at: Date.now() },
      }),
    },
    // Presence without server support: each tab stamps its own entry every
    // PRESENCE_EVERY_MS; entries older than PRESENCE_TTL_MS read as gone.
    presenceSeen: {
      reducer(state, action: PayloadAction<{ tab: string } & Seen>) {
        const { tab, ...seen } = action.payload
        state.presence[tab] = seen
      },
      prepare: (tab: string, name: string) => ({ payload: { tab, name, seen: Date.now() } }),
    },
  },
})

export const PRESENCE_EVERY_MS = 10_000
export const PRESENCE_TTL_MS = 25_000

export const { messageSent, presenceSeen } = chatSlice.actions

/** The room this tab is in: `?room=` or the lobby. */
export function currentRoom(): string {
  const room = new URLSearchParams(window.location.search).get('room')
  return room && (ROOMS as readonly string[]).includes(room) ? room : 'lobby'
}

export function makeChatStore(room: string) {
  const socket = relaySocket()
  return exampleStore({
    reducers: { chat: chatSlice.reducer },
    schema: ChatState,
    sockets: [socket],
    transports: [sync({ room: `chat:${room}`, allowKeys: ['chat'], socket })],
  })
}

export type ChatStore = ReturnType<typeof makeChatStore>
export type ChatRootState = ReturnType<ChatStore['getState']>
