import { createSlice, type PayloadAction } from '@reduxjs/toolkit'
import localforage from 'localforage'
import { persist, sync, undoHistory } from 'patchwire'
import { exampleStore } from '../shared/exampleStore'
import { offlineSwitch } from '../shared/offlineSwitch'
import { type CartItem, CartState } from '../shared/schemas'

/** What the shop sells. */
export const PRODUCTS = [
  { sku: 'tea', name: 'Green tea', price: 4.5 },
  { sku: 'mug', name: 'Blue mug', price: 9 },
  { sku: 'kettle', name: 'Kettle', price: 29 },
  { sku: 'honey', name: 'Honey jar', price: 7.25 },
] as const

const cartSlice = createSlice({
  name: 'cart',
  initialState: { items: {} as Record<string, CartItem> },
  reducers: {
    itemAdded(state, action: PayloadAction<{ sku: string; name: string; price: number }>) {
      const { sku, name, price } = action.payload
      const item = state.items[sku]
      if (item) item.qty += 1
      else state.items[sku] = { name, price, qty: 1 }
    },
    quantitySet(state, action: PayloadAction<{ sku: string; qty: number }>) {
      const item = state.items[action.payload.sku]
      if (item) item.qty = action.payload.qty
    },
    itemRemoved(state, action: PayloadAction<string>) {
      delete state.items[action.payload]
    },
  },
})

export const { itemAdded, quantitySet, itemRemoved } = cartSlice.actions

export function makeCartStore() {
  const network = offlineSwitch('patchwire-example-cart-offline')
  const saver = persist({ key: 'cart', storage: localforage, allow: ['cart'], debounceMs: 100 })
  const store = exampleStore({
    reducers: { cart: cartSlice.reducer },
    schema: CartState,
    transports: [
      // persist first: sync waits for it and resumes with the restored pending changes.
      saver.middleware,
      // One relay socket for all the cart's tabs of this browser (the status line counts them).
      sync({
        room: 'cart:demo',
        allowKeys: ['cart'],
        url: network.relayUrl,
        shareConnection: true,
      }).middleware,
      // Ctrl+Z undoes this tab's own cart edits; persist keeps the stacks across a reload.
      undoHistory({ keys: ['cart'] }).middleware,
    ],
  })
  return { store, network, saver }
}

export type CartRootState = ReturnType<ReturnType<typeof makeCartStore>['store']['getState']>
