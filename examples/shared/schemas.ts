import { z } from 'zod'

// Shared by the apps (the store's schema) and the example server (the relay's
// per-room schema), so both ends validate the same shape.

export const Message = z.object({
  id: z.string().min(1),
  author: z.string().min(1).max(40),
  text: z.string().min(1).max(1000),
  at: z.number(),
})
export type Message = z.infer<typeof Message>

/**
 * A chat tab's presence (who is here, who is typing): sent through the relay's
 * presence channel, never part of the synced state.
 */
export const ChatPresence = z.object({ name: z.string().min(1).max(40), typing: z.boolean() })
export type ChatPresence = z.infer<typeof ChatPresence>

/** What a chat tab holds; `chat` is synced. */
export const ChatState = z.object({
  chat: z.object({ messages: z.array(Message) }),
})

/**
 * The relay is stricter than the tabs: it moderates, so a message the tab
 * accepted optimistically can still be refused and rolled back.
 */
export const ChatRoomState = z.object({
  chat: z.object({
    messages: z.array(
      Message.refine((m) => !/\bspam\b/i.test(m.text), {
        message: 'the relay refuses messages about spam',
        path: ['text'],
      }),
    ),
  }),
})

export const CartItem = z.object({
  name: z.string().min(1),
  price: z.number().nonnegative(),
  qty: z.number().int().min(1).max(99),
})
export type CartItem = z.infer<typeof CartItem>

/** What a cart tab holds; `cart` is persisted and synced. */
export const CartState = z.object({
  cart: z.object({ items: z.record(z.string(), CartItem) }),
})

/** The relay knows the stock: at most 10 of an item, whatever a tab allows. */
export const CartRoomState = z.object({
  cart: z.object({
    items: z.record(z.string(), CartItem.extend({ qty: z.number().int().min(1).max(10) })),
  }),
})

export const MetricPoint = z.object({
  tick: z.number().int(),
  t: z.number(),
  cpu: z.number().min(0).max(100),
  mem: z.number().min(0).max(100),
  rps: z.number().nonnegative(),
})
export type MetricPoint = z.infer<typeof MetricPoint>

/** The dashboard's state: a window of recent points keyed by slot, and the latest one. */
export const DashboardState = z.object({
  metrics: z.object({
    window: z.record(z.string(), MetricPoint),
    latest: MetricPoint.nullable(),
  }),
})

/** The routes whose requests the dashboard's RTK Query panel shows. */
export const ROUTES = ['/', '/chat', '/cart', '/dashboard', '/api'] as const

/** The data of the dashboard's RTK Query endpoint: the requests each route served in one tick. */
export const RouteHits = z.object({
  tick: z.number().int(),
  hits: z.record(z.string(), z.number().int().nonnegative()),
})
export type RouteHits = z.infer<typeof RouteHits>

/** How many points the dashboard keeps (slots `tick % WINDOW`). */
export const METRICS_WINDOW = 60

/** The relay rooms' presence schemas. */
export const roomPresenceSchema = (room: string) =>
  room.startsWith('chat:') ? ChatPresence : undefined

/** The relay rooms the examples use and their schemas. */
export const roomSchema = (room: string) =>
  room.startsWith('chat:') ? ChatRoomState : room.startsWith('cart:') ? CartRoomState : undefined

/** The server-rendered page's state: a synced chat room and the metrics stream. */
export const SsrPageState = ChatState.extend(DashboardState.shape)
