import { configureStore, createSlice } from '@reduxjs/toolkit'
import { z } from 'zod'
import {
  PATCHWIRE_KEY,
  patchwireMiddleware,
  patchwireReducer,
  withPatchwire,
} from '../../src/index'
import { patchwireTrafficLog } from '../../src/react/index'

const notes = createSlice({
  name: 'notes',
  initialState: { items: [] as { text: string }[], title: 'notes' },
  reducers: {},
})

const Schema = z.object({
  notes: z.object({ items: z.array(z.object({ text: z.string().min(1) })), title: z.string() }),
})

/** A store with the status slice, a schema and a traffic log of `size` entries. */
export function makeStore(size = 20) {
  const traffic = patchwireTrafficLog({ size, now: () => 1_000 })
  const store = configureStore({
    reducer: withPatchwire(
      { notes: notes.reducer, [PATCHWIRE_KEY]: patchwireReducer },
      { schema: Schema },
    ),
    middleware: (gDM) => gDM().concat(patchwireMiddleware({ now: () => 1_000 }), traffic),
  })
  return { store, log: traffic.log }
}
