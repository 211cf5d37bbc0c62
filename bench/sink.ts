/**
 * What an inbound update costs on a state of 10,000 entities held in an object map:
 * a hand-written RTK slice reducer (the baseline), Immer's applyPatches, and
 * patchwire's applyPatch through store.dispatch, with and without a zod schema;
 * one op per dispatch and batches of 100 ops. Prints µs per op and the ratio to the baseline.
 *
 * Run: npx tsx bench/sink.ts
 */
import { configureStore, createSlice, type PayloadAction } from '@reduxjs/toolkit'
import { applyPatches, enablePatches, type Patch } from 'immer'
import { z } from 'zod'
import { patchwireMiddleware } from '../middleware/index'
import { patchwireReducer } from '../slices/index'
import { applyPatch, type ChangeInput, PATCHWIRE_KEY, withPatchwire } from '../src/index'

enablePatches()

const ENTITIES = 10_000
const BATCH = 100
const ROUNDS = 3

interface Entity {
  id: string
  name: string
  qty: number
  tags: string[]
}
type ById = Record<string, Entity>

function initialById(): ById {
  const byId: ById = {}
  for (let i = 0; i < ENTITIES; i++)
    byId[`e${i}`] = { id: `e${i}`, name: `item ${i}`, qty: i, tags: ['a'] }
  return byId
}

// A fixed pseudo-random sequence of entity ids, the same for every variant.
function idSequence(n: number): string[] {
  let x = 2_463_534_242
  const out: string[] = []
  for (let i = 0; i < n; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out.push(`e${(x >>> 0) % ENTITIES}`)
  }
  return out
}

const entitiesSlice = createSlice({
  name: 'entities',
  initialState: () => ({ byId: initialById() }),
  reducers: {
    qtySet(state, action: PayloadAction<{ id: string; qty: number }>) {
      const entity = state.byId[action.payload.id]
      if (entity) entity.qty = action.payload.qty
    },
    qtysSet(state, action: PayloadAction<{ id: string; qty: number }[]>) {
      for (const { id, qty } of action.payload) {
        const entity = state.byId[id]
        if (entity) entity.qty = qty
      }
    },
  },
})

const EntitySchema = z.object({
  id: z.string(),
  name: z.string().min(1),
  qty: z.number().int().nonnegative(),
  tags: z.array(z.string()),
})
const AppSchema = z.object({ entities: z.object({ byId: z.record(z.string(), EntitySchema) }) })

// Production-like stores: RTK's dev-only immutability and serializability checks walk the
// whole state on every dispatch and would dominate every variant equally.
const lean = { immutableCheck: false, serializableCheck: false } as const

function sliceStore() {
  return configureStore({
    reducer: { entities: entitiesSlice.reducer },
    middleware: (gDM) => gDM(lean),
  })
}

function patchwireStore(withSchema: boolean) {
  return configureStore({
    reducer: withPatchwire(
      { entities: entitiesSlice.reducer, [PATCHWIRE_KEY]: patchwireReducer },
      withSchema ? { schema: AppSchema } : {},
    ),
    middleware: (gDM) => gDM(lean).concat(patchwireMiddleware()),
  })
}

type Update = { id: string; qty: number }
/** A variant builds its store (untimed) and returns the function that applies one batch of updates. */
type Variant = { name: string; prepare: () => (updates: Update[]) => void }

const variants: Variant[] = [
  {
    name: '(a) RTK slice reducer (createSlice + Immer)',
    prepare() {
      const store = sliceStore()
      return (updates) => {
        if (updates.length === 1) store.dispatch(entitiesSlice.actions.qtySet(updates[0]!))
        else store.dispatch(entitiesSlice.actions.qtysSet(updates))
      }
    },
  },
  {
    name: '(b) Immer applyPatches',
    prepare() {
      let state = sliceStore().getState()
      return (updates) => {
        const patches: Patch[] = updates.map(({ id, qty }) => ({
          op: 'replace',
          path: ['entities', 'byId', id, 'qty'],
          value: qty,
        }))
        state = applyPatches(state, patches)
      }
    },
  },
  ...[false, true].map(
    (withSchema): Variant => ({
      name: `(c) patchwire applyPatch${withSchema ? ' + zod schema' : ''}`,
      prepare() {
        const store = patchwireStore(withSchema)
        return (updates) => {
          const changes: ChangeInput[] = updates.map(({ id, qty }) => ({
            source: 'stream',
            ops: [{ op: 'replace', path: ['entities', 'byId', id, 'qty'], value: qty }],
          }))
          store.dispatch(applyPatch({ changes }))
          if (store.getState().patchwire.counters.rejected !== 0) {
            throw new Error('bench sanity: a valid update was rejected')
          }
        }
      },
    }),
  ),
]

function measure(variant: Variant, ops: number, batch: number): number {
  const batches: Update[][] = []
  const ids = idSequence(ops)
  for (let i = 0; i < ops; i += batch)
    batches.push(ids.slice(i, i + batch).map((id, j) => ({ id, qty: i + j })))
  const samples: number[] = []
  for (let r = 0; r < ROUNDS; r++) {
    const step = variant.prepare()
    step(batches[0]!) // warm-up, also freezes the initial state once
    const start = process.hrtime.bigint()
    for (const b of batches) step(b)
    samples.push(Number(process.hrtime.bigint() - start) / 1_000 / ops)
  }
  samples.sort((x, y) => x - y)
  return samples[Math.floor(samples.length / 2)]!
}

const modes = [
  { label: 'unbatched', batch: 1, ops: 200 },
  { label: `batch of ${BATCH}`, batch: BATCH, ops: 2_000 },
]

console.log(
  `bench/sink: ${ENTITIES.toLocaleString('en')} entities in an object map, one qty update per op`,
)
console.log(
  `median of ${ROUNDS} rounds per cell (store set-up excluded); shared machine, expect noise\n`,
)
const rows: string[][] = [['variant', ...modes.flatMap((m) => [`${m.label} µs/op`, 'vs (a)'])]]
const baseline: number[] = []
for (const [v, variant] of variants.entries()) {
  const row = [variant.name]
  for (const [m, mode] of modes.entries()) {
    const perOp = measure(variant, mode.ops, mode.batch)
    if (v === 0) baseline[m] = perOp
    row.push(perOp.toFixed(1), `${(perOp / baseline[m]!).toFixed(2)}x`)
  }
  rows.push(row)
}
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
for (const row of rows)
  console.log(
    row
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  '),
  )
