import { createSlice, nanoid, type PayloadAction } from '@reduxjs/toolkit'
import { sync } from 'patchwire'
import { exampleStore } from '../shared/exampleStore'
import { relaySocket } from '../shared/relaySocket'
import { ChatState, type Message } from '../shared/schemas'

/** The rooms the example offers; each is its own relay room `chat:<name>`. */
export const ROOMS = ['lobby', 'random', 'dev'] as const

// Only messages are durable: who is here and who is typing go through the
// relay's presence channel (`setPresence`), so the room changes only when someone writes.
export const chatSlice = createSlice({
  name: 'chat',
  initialState: { messages: [] as Message[] },
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
  },
})

export const { messageSent } = chatSlice.actions

/** The relay room of a chat room. */
export const relayRoom = (room: string): string => `chat:${room}`

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
    transports: [sync({ room: relayRoom(room), allowKeys: ['chat'], socket }).middleware],
  })
}

export type ChatStore = ReturnType<typeof makeChatStore>
export type ChatRootState = ReturnType<ChatStore['getState']>
