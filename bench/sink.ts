/**
 * What an inbound update costs, on two states: 10,000 entities in an object map and a
 * 100-item array. Next to patchwire's applyPatch through store.dispatch (with and
 * without a zod schema): the spread floor (a hand-written immutable update, the least any
 * immutable store can do), a hand-written RTK slice reducer (createSlice + Immer), Immer's
 * applyPatches, and mutative's apply with and without auto-freeze. One op per dispatch,
 * and batches of 100 ops (for patchwire one action of 100 one-op changes, each atomic).
 * Prints µs per op and ratios to the floor and to mutative; medians of interleaved rounds.
 *
 * Run: npx tsx bench/sink.ts [rounds]
 */
import { configureStore, createSlice, type PayloadAction } from '@reduxjs/toolkit'
import { applyPatches, enablePatches, type Patch } from 'immer'
import { apply as mutativeApply } from 'mutative'
import { z } from 'zod'
import { patchwireMiddleware } from '../middleware/index'
import { patchwireReducer } from '../slices/index'
import { applyPatch, type ChangeInput, PATCHWIRE_KEY, withPatchwire } from '../src/index'
import { interleaved, median, printTable } from './_rounds'

enablePatches()

const BATCH = 100
const ROUNDS = Math.max(5, Number(process.argv[2] ?? 7))

interface Entity {
  id: string
  name: string
  qty: number
  tags: string[]
}

/** One state shape under test: where an update writes, and how a hand-written reducer writes it. */
interface Shape {
  label: string
  /** Ops timed per sample, for one op per dispatch and for batches (fewer where each costs more). */
  ops: { single: number; batched: number }
  /** The slice's initial state (a fresh copy each call). */
  initial: () => Record<string, unknown>
  /** The `n` targets (entity ids or array indexes) updates write to, the same for every variant. */
  targets: (n: number) => (string | number)[]
  /** The path below the slice's key to a target's qty. */
  path: (target: string | number) => (string | number)[]
  /** The spread floor: a batch of updates written by hand, copying each container once. */
  spread: (state: Record<string, unknown>, updates: readonly Update[]) => Record<string, unknown>
  /** The same in an Immer draft, as a slice reducer writes it. */
  draft: (state: Record<string, unknown>, updates: readonly Update[]) => void
  schema: z.ZodType
}

type Update = { target: string | number; qty: number }

const EntitySchema = z.object({
  id: z.string(),
  name: z.string().min(1),
  qty: z.number().int().nonnegative(),
  tags: z.array(z.string()),
})

const entity = (i: number): Entity => ({ id: `e${i}`, name: `item ${i}`, qty: i, tags: ['a'] })

// A fixed pseudo-random sequence, the same for every variant.
function xorshift(n: number, mod: number): number[] {
  let x = 2_463_534_242
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out.push((x >>> 0) % mod)
  }
  return out
}

const ENTITIES = 10_000
const mapShape: Shape = {
  label: `${ENTITIES.toLocaleString('en')}-entity map`,
  ops: { single: 100, batched: 2_000 },
  initial() {
    const byId: Record<string, Entity> = {}
    for (let i = 0; i < ENTITIES; i++) byId[`e${i}`] = entity(i)
    return { byId }
  },
  targets: (n) => xorshift(n, ENTITIES).map((i) => `e${i}`),
  path: (id) => ['byId', id, 'qty'],
  spread(state, updates) {
    const byId = { ...(state.byId as Record<string, Entity>) }
    for (const { target, qty } of updates) byId[target] = { ...byId[target]!, qty }
    return { ...state, byId }
  },
  draft(state, updates) {
    const byId = state.byId as Record<string, Entity>
    for (const { target, qty } of updates) byId[target]!.qty = qty
  },
  schema: z.object({ byId: z.record(z.string(), EntitySchema) }),
}

const ITEMS = 100
const arrayShape: Shape = {
  label: `${ITEMS}-item array`,
  ops: { single: 2_000, batched: 20_000 },
  initial: () => ({ items: Array.from({ length: ITEMS }, (_, i) => entity(i)) }),
  targets: (n) => xorshift(n, ITEMS),
  path: (index) => ['items', index, 'qty'],
  spread(state, updates) {
    const items = [...(state.items as Entity[])]
    for (const { target, qty } of updates) {
      const i = target as number
      items[i] = { ...items[i]!, qty }
    }
    return { ...state, items }
  },
  draft(state, updates) {
    const items = state.items as Entity[]
    for (const { target, qty } of updates) items[target as number]!.qty = qty
  },
  schema: z.object({ items: z.array(EntitySchema) }),
}

// Production-like stores: RTK's dev-only immutability and serializability checks walk the
// whole state on every dispatch and would dominate every variant equally.
const lean = { immutableCheck: false, serializableCheck: false } as const

/** A variant builds its state (untimed) and returns the function that applies one batch. */
type Variant = (shape: Shape) => (updates: Update[]) => void

const toPatches = (shape: Shape, updates: readonly Update[]): Patch[] =>
  updates.map(({ target, qty }) => ({
    op: 'replace',
    path: ['data', ...shape.path(target)],
    value: qty,
  }))

function sliceFor(shape: Shape) {
  return createSlice({
    name: 'data',
    initialState: shape.initial,
    reducers: {
      updated(state, action: PayloadAction<Update[]>) {
        shape.draft(state, action.payload)
      },
    },
  })
}

function patchwireVariant(withSchema: boolean): Variant {
  return (shape) => {
    const slice = sliceFor(shape)
    const store = configureStore({
      reducer: withPatchwire(
        { data: slice.reducer, [PATCHWIRE_KEY]: patchwireReducer },
        withSchema ? { schema: z.object({ data: shape.schema }) } : {},
      ),
      middleware: (gDM) => gDM(lean).concat(patchwireMiddleware()),
    })
    return (updates) => {
      const changes: ChangeInput[] = updates.map(({ target, qty }) => ({
        source: 'stream',
        ops: [{ op: 'replace', path: ['data', ...shape.path(target)], value: qty }],
      }))
      store.dispatch(applyPatch({ changes }))
      if (store.getState().patchwire.counters.rejected !== 0)
        throw new Error('bench sanity: a valid update was rejected')
    }
  }
}

const variants: Record<string, Variant> = {
  'spread floor (hand-written)': (shape) => {
    let state: Record<string, unknown> = Object.freeze({ data: Object.freeze(shape.initial()) })
    return (updates) => {
      state = { ...state, data: shape.spread(state.data as Record<string, unknown>, updates) }
    }
  },
  'RTK slice reducer (createSlice + Immer)': (shape) => {
    const slice = sliceFor(shape)
    const store = configureStore({
      reducer: { data: slice.reducer },
      middleware: (gDM) => gDM(lean),
    })
    return (updates) => {
      store.dispatch(slice.actions.updated(updates))
    }
  },
  'Immer applyPatches': (shape) => {
    let state: object = { data: shape.initial() }
    return (updates) => {
      state = applyPatches(state, toPatches(shape, updates))
    }
  },
  'mutative apply (auto-freeze)': (shape) => {
    let state: object = { data: shape.initial() }
    return (updates) => {
      state = mutativeApply(state, toPatches(shape, updates), { enableAutoFreeze: true })
    }
  },
  'mutative apply (no freeze)': (shape) => {
    let state: object = { data: shape.initial() }
    return (updates) => {
      state = mutativeApply(state, toPatches(shape, updates))
    }
  },
  'patchwire applyPatch': patchwireVariant(false),
  'patchwire applyPatch + zod schema': patchwireVariant(true),
}

const modes = [
  { label: '1 op', batch: 1, ops: (shape: Shape) => shape.ops.single },
  { label: `batch of ${BATCH}`, batch: BATCH, ops: (shape: Shape) => shape.ops.batched },
]

/** µs per op of one variant, one shape, one mode: one sample. */
function sample(variant: Variant, shape: Shape, batch: number, ops: number): number {
  const targets = shape.targets(ops)
  const batches: Update[][] = []
  for (let i = 0; i < ops; i += batch)
    batches.push(targets.slice(i, i + batch).map((target, j) => ({ target, qty: i + j })))
  const step = variant(shape)
  // Warm-up: the first write copies (and freezes) the initial state once, and lets V8 settle.
  for (const b of batches.slice(0, 10)) step(b)
  const start = process.hrtime.bigint()
  for (const b of batches) step(b)
  return Number(process.hrtime.bigint() - start) / 1_000 / ops
}

console.log(
  `bench/sink: one qty update per op; µs per op, median of ${ROUNDS} interleaved rounds (set-up excluded); node ${process.version}, shared machine`,
)
for (const shape of [mapShape, arrayShape]) {
  const medians: Record<string, number[]> = Object.fromEntries(
    Object.keys(variants).map((name) => [name, []]),
  )
  for (const mode of modes) {
    const samples = await interleaved(
      ROUNDS,
      Object.fromEntries(
        Object.entries(variants).map(([name, v]) => [
          name,
          () => sample(v, shape, mode.batch, mode.ops(shape)),
        ]),
      ),
    )
    for (const [name, values] of Object.entries(samples)) medians[name]!.push(median(values))
  }
  const floor = medians['spread floor (hand-written)']!
  const mutative = medians['mutative apply (auto-freeze)']!
  const rows = [
    [shape.label, ...modes.flatMap((m) => [`${m.label} µs`, 'vs floor', 'vs mutative'])],
  ]
  for (const [name, perMode] of Object.entries(medians))
    rows.push([
      name,
      ...perMode.flatMap((us, m) => [
        us.toFixed(2),
        `${(us / floor[m]!).toFixed(2)}x`,
        `${(us / mutative[m]!).toFixed(2)}x`,
      ]),
    ])
  const plain = medians['patchwire applyPatch']!
  const schema = medians['patchwire applyPatch + zod schema']!
  console.log('')
  printTable(rows)
  console.log(
    `zod schema / no schema: ${modes.map((m, i) => `${m.label} ${(schema[i]! / plain[i]!).toFixed(2)}x`).join(', ')}`,
  )
}
