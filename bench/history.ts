/**
 * What an undo step costs on a state of 10,000 entities, next to a plain
 * local change. Each round builds fresh stores, then times per operation:
 *   - baseline: a local change (one entity's field) in a store without the history
 *   - the same change with `undoHistory` recording it (one step per change)
 *   - `undo()` of one such step (inverse against the current state, dispatched as applyPatch)
 *   - `redo()` of it
 * Rounds are interleaved (every variant once per round) and the median of
 * the rounds is printed, with its ratio to the baseline of the same run.
 * No network: sync adds the same push to a change and to an undo.
 *
 * Run: npx tsx bench/history.ts [ops] [rounds]
 */
import { configureStore, createSlice, type Middleware, type PayloadAction } from '@reduxjs/toolkit'
import { undoHistory } from '../middleware/history/undoHistory'
import { patchwireMiddleware } from '../middleware/index'
import { patchwireReducer } from '../slices/index'
import { PATCHWIRE_KEY, redo, undo, withPatchwire } from '../src/index'

const ENTITIES = 10_000
const OPS = Number(process.argv[2] ?? 2_000)
const ROUNDS = Math.max(5, Number(process.argv[3] ?? 7))

interface Card {
  title: string
  qty: number
  done: boolean
}

function initialCards(): Record<string, Card> {
  const cards: Record<string, Card> = {}
  for (let i = 0; i < ENTITIES; i++) cards[`c${i}`] = { title: `card ${i}`, qty: i, done: false }
  return cards
}

const board = createSlice({
  name: 'board',
  initialState: () => ({ cards: initialCards() }),
  reducers: {
    qtySet(state, action: PayloadAction<{ id: string; qty: number }>) {
      const card = state.cards[action.payload.id]
      if (card) card.qty = action.payload.qty
    },
  },
})

function makeStore(extra: Middleware[]) {
  return configureStore({
    reducer: withPatchwire({ board: board.reducer, [PATCHWIRE_KEY]: patchwireReducer }),
    // Redux Toolkit's dev checks walk the whole state on every action: off, as in production.
    middleware: (gDM) =>
      gDM({ serializableCheck: false, immutableCheck: false }).concat(
        patchwireMiddleware(),
        ...extra,
      ),
  })
}

const change = (n: number) => board.actions.qtySet({ id: `c${(n * 7919) % ENTITIES}`, qty: -n - 1 })

function perOp(run: () => void): number {
  const t0 = performance.now()
  run()
  return ((performance.now() - t0) * 1000) / OPS
}

type Row =
  | 'plain local change'
  | 'local change, recorded'
  | 'undo() of one step'
  | 'redo() of one step'
const rows: Record<Row, number[]> = {
  'plain local change': [],
  'local change, recorded': [],
  'undo() of one step': [],
  'redo() of one step': [],
}

for (let round = 0; round < ROUNDS; round++) {
  const plain = makeStore([])
  rows['plain local change'].push(
    perOp(() => {
      for (let n = 0; n < OPS; n++) plain.dispatch(change(n))
    }),
  )
  const history = undoHistory({ groupMs: 0, limit: OPS })
  const recorded = makeStore([history.middleware])
  rows['local change, recorded'].push(
    perOp(() => {
      for (let n = 0; n < OPS; n++) recorded.dispatch(change(n))
    }),
  )
  rows['undo() of one step'].push(
    perOp(() => {
      for (let n = 0; n < OPS; n++) recorded.dispatch(undo())
    }),
  )
  rows['redo() of one step'].push(
    perOp(() => {
      for (let n = 0; n < OPS; n++) recorded.dispatch(redo())
    }),
  )
  if (history.depth().undo !== OPS) throw new Error(`redo left ${history.depth().undo} steps`)
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] as number
}
const base = median(rows['plain local change'])
console.log(
  `undo history on ${ENTITIES.toLocaleString('en')} entities, ${OPS} ops per cell, median of ${ROUNDS} interleaved rounds; shared machine, expect noise\n`,
)
console.log('| operation | µs per op | vs plain local change |')
console.log('|---|---:|---:|')
for (const [name, xs] of Object.entries(rows)) {
  const m = median(xs)
  console.log(`| ${name} | ${m.toFixed(1)} | ${(m / base).toFixed(2)}× |`)
}
