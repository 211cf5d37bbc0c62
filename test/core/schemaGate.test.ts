import { configureStore, createSlice } from '@reduxjs/toolkit'
import type { StandardSchemaV1 } from '@standard-schema/spec'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  type AnySchema,
  applyPatch,
  type ChangeInput,
  PATCHWIRE_KEY,
  patchwireMiddleware,
  patchwireReducer,
  withPatchwire,
} from '../../src/index'
import { createSchemaGate, schemaShape } from '../../src/schemaGate'

const profile = createSlice({ name: 'profile', initialState: { age: 30 }, reducers: {} })
// Starts out invalid for its schema (a number where a string is expected).
const legacy = createSlice({ name: 'legacy', initialState: { code: 7 as unknown }, reducers: {} })

function storeWith(schema: AnySchema) {
  const reasons: string[] = []
  const store = configureStore({
    reducer: withPatchwire(
      { profile: profile.reducer, legacy: legacy.reducer, [PATCHWIRE_KEY]: patchwireReducer },
      { schema },
    ),
    middleware: (gDM) =>
      gDM().concat(patchwireMiddleware({ onPatchRejected: (r) => reasons.push(r.reason) })),
  })
  return { store, reasons }
}

const setAge = (age: unknown): ChangeInput => ({
  source: 'sync',
  ops: [{ op: 'replace', path: ['profile', 'age'], value: age }],
})

describe('per-key validation with an object schema', () => {
  it('validates only the top-level keys a change touched', () => {
    let legacyChecks = 0
    const schema = z.object({
      profile: z.object({ age: z.number() }),
      legacy: z.unknown().refine(() => {
        legacyChecks++
        return true
      }),
    })
    const { store } = storeWith(schema)
    store.dispatch(applyPatch({ changes: [setAge(31), setAge(32), setAge(33)] }))
    expect(store.getState().profile.age).toBe(33)
    expect(legacyChecks).toBe(0)
  })

  it('validates a touched key with its own part of the schema', () => {
    let profileChecks = 0
    const schema = z.object({
      profile: z.object({ age: z.number() }).refine(() => {
        profileChecks++
        return true
      }),
      legacy: z.unknown(),
    })
    const { store } = storeWith(schema)
    store.dispatch(applyPatch({ changes: [setAge(31), setAge(32)] }))
    expect(profileChecks).toBe(2)
  })

  it('an invalid untouched key does not block a valid change to another key', () => {
    const schema = z.object({
      profile: z.object({ age: z.number() }),
      legacy: z.object({ code: z.string() }),
    })
    const { store, reasons } = storeWith(schema)
    store.dispatch(applyPatch({ changes: [setAge(40)] }))
    expect(store.getState().profile.age).toBe(40)
    expect(reasons).toEqual([])
  })

  it('a change to the invalid key itself is refused', () => {
    const schema = z.object({
      profile: z.object({ age: z.number() }),
      legacy: z.object({ code: z.string() }),
    })
    const { store, reasons } = storeWith(schema)
    store.dispatch(
      applyPatch({
        changes: [{ source: 'sync', ops: [{ op: 'replace', path: ['legacy', 'code'], value: 8 }] }],
      }),
    )
    expect(store.getState().legacy.code).toBe(7)
    expect(reasons).toEqual(['schema'])
  })

  it('an object-level refinement is validated against the whole state', () => {
    const schema = z
      .object({ profile: z.object({ age: z.number() }), legacy: z.unknown() })
      .refine((s) => s.profile.age < 100, { message: 'too old' })
    expect(schemaShape(schema)).toBeUndefined()
    const { store, reasons } = storeWith(schema)
    store.dispatch(applyPatch({ changes: [setAge(150)] }))
    expect(store.getState().profile.age).toBe(30)
    expect(reasons).toEqual(['schema'])
  })

  it('a top-level key outside a strict object schema is refused', () => {
    const gate = createSchemaGate(z.strictObject({ a: z.number() }))
    expect(gate.check({ a: 1, b: 2 }, new Set(['b']))).not.toBeNull()
  })
})

describe('any Standard Schema', () => {
  it('a validator that cannot be split sees the whole state without the status slice', () => {
    const seenKeys: string[][] = []
    const schema: StandardSchemaV1<unknown, unknown> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: (value) => {
          seenKeys.push(Object.keys(value as object))
          return { value }
        },
      },
    }
    const { store } = storeWith(schema)
    store.dispatch(applyPatch({ changes: [setAge(31)] }))
    expect(seenKeys).toEqual([['profile', 'legacy']])
  })

  it('its issues become the rejection issues', () => {
    const schema: StandardSchemaV1<unknown, unknown> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: () => ({ issues: [{ message: 'nope', path: [{ key: 'profile' }, 'age'] }] }),
      },
    }
    const gate = createSchemaGate(schema)
    expect(gate.check({}, null)).toEqual([{ message: 'nope', path: ['profile', 'age'] }])
  })

  it('an async schema is reported as async_schema and nothing is applied', () => {
    const schema = z.object({
      profile: z.object({ age: z.number() }).refine(async () => true),
      legacy: z.unknown(),
    })
    const { store, reasons } = storeWith(schema)
    store.dispatch(applyPatch({ changes: [setAge(31)] }))
    expect(store.getState().profile.age).toBe(30)
    expect(reasons).toEqual(['async_schema'])
  })
})

describe('validation below the top-level key', () => {
  const entities = createSlice({
    name: 'entities',
    initialState: {
      byId: {
        e1: { name: 'one', qty: 1 },
        e2: { name: 'two', qty: 2 },
        bad: { name: '', qty: -1 },
      } as Record<string, { name: string; qty: number }>,
      tags: ['a'] as string[],
      meta: { title: 'catalog' } as { title?: string },
    },
    reducers: {},
  })

  function entityStore(schema: AnySchema) {
    const reasons: string[] = []
    const store = configureStore({
      reducer: withPatchwire(
        { entities: entities.reducer, [PATCHWIRE_KEY]: patchwireReducer },
        { schema },
      ),
      middleware: (gDM) =>
        gDM().concat(patchwireMiddleware({ onPatchRejected: (r) => reasons.push(r.reason) })),
    })
    const send = (...ops: ChangeInput['ops']) =>
      store.dispatch(applyPatch({ changes: [{ source: 'stream', ops }] }))
    return { store, reasons, send }
  }

  const counted = () => {
    const calls = { entity: 0 }
    const Entity = z
      .object({ name: z.string().min(1), qty: z.number().nonnegative() })
      .refine(() => {
        calls.entity++
        return true
      })
    return { calls, Entity }
  }

  it('a change to one entity of a string-keyed record validates only that entity', () => {
    const { calls, Entity } = counted()
    const schema = z.object({
      entities: z.object({
        byId: z.record(z.string(), Entity),
        tags: z.array(z.string()),
        meta: z.object({ title: z.string() }),
      }),
    })
    const { send } = entityStore(schema)
    send({ op: 'replace', path: ['entities', 'byId', 'e1', 'qty'], value: 5 })
    expect(calls.entity).toBe(1)
  })

  it('a change to one entity is not blocked by another invalid entity', () => {
    const { Entity } = counted()
    const schema = z.object({ entities: z.object({ byId: z.record(z.string(), Entity) }).loose() })
    const { store, send, reasons } = entityStore(schema)
    send({ op: 'replace', path: ['entities', 'byId', 'e2', 'qty'], value: 20 })
    expect(reasons).toEqual([])
    expect(store.getState().entities.byId.e2?.qty).toBe(20)
  })

  it('an invalid write to a field of an entity is refused', () => {
    const { Entity } = counted()
    const schema = z.object({ entities: z.object({ byId: z.record(z.string(), Entity) }).loose() })
    const { store, send, reasons } = entityStore(schema)
    send({ op: 'replace', path: ['entities', 'byId', 'e1', 'qty'], value: -3 })
    expect(reasons).toEqual(['schema'])
    expect(store.getState().entities.byId.e1?.qty).toBe(1)
  })

  it('removing an entry of a string-keyed record is accepted', () => {
    const { Entity } = counted()
    const schema = z.object({ entities: z.object({ byId: z.record(z.string(), Entity) }).loose() })
    const { store, send, reasons } = entityStore(schema)
    send({ op: 'remove', path: ['entities', 'byId', 'e1'] })
    expect(reasons).toEqual([])
    expect(store.getState().entities.byId.e1).toBeUndefined()
  })

  it('removing a required key of a nested object is refused', () => {
    const schema = z.object({
      entities: z.object({ meta: z.object({ title: z.string() }) }).loose(),
    })
    const { store, send, reasons } = entityStore(schema)
    send({ op: 'remove', path: ['entities', 'meta', 'title'] })
    expect(reasons).toEqual(['schema'])
    expect(store.getState().entities.meta.title).toBe('catalog')
  })

  it('a record with enum keys is validated whole, so removing a required entry is refused', () => {
    const Entity = z.object({ name: z.string(), qty: z.number() })
    const schema = z.object({
      entities: z.object({ byId: z.record(z.enum(['e1', 'e2', 'bad']), Entity) }).loose(),
    })
    const { send, reasons } = entityStore(schema)
    send({ op: 'remove', path: ['entities', 'byId', 'e2'] })
    expect(reasons).toEqual(['schema'])
  })

  it('a write into an array validates the whole array', () => {
    const schema = z.object({ entities: z.object({ tags: z.array(z.string()).min(1) }).loose() })
    const { store, send, reasons } = entityStore(schema)
    send({ op: 'remove', path: ['entities', 'tags', 0] })
    expect(reasons).toEqual(['schema'])
    expect(store.getState().entities.tags).toEqual(['a'])
  })

  it('a new key outside a strict nested object is refused', () => {
    const schema = z.object({
      entities: z.object({ meta: z.strictObject({ title: z.string() }) }).loose(),
    })
    const { send, reasons } = entityStore(schema)
    send({ op: 'add', path: ['entities', 'meta', 'subtitle'], value: 'x' })
    expect(reasons).toEqual(['schema'])
  })
})

describe('validation inside an array of objects', () => {
  const catalog = createSlice({
    name: 'catalog',
    initialState: {
      items: [
        { name: 'one', qty: 1 },
        { name: 'two', qty: 2 },
        { name: '', qty: -1 },
      ],
    },
    reducers: {},
  })

  function catalogStore(schema: AnySchema) {
    const rejections: { reason: string; paths: unknown[] }[] = []
    const store = configureStore({
      reducer: withPatchwire(
        { catalog: catalog.reducer, [PATCHWIRE_KEY]: patchwireReducer },
        { schema },
      ),
      middleware: (gDM) =>
        gDM().concat(
          patchwireMiddleware({
            onPatchRejected: (r) =>
              rejections.push({ reason: r.reason, paths: r.issues.map((i) => i.path) }),
          }),
        ),
    })
    const send = (...ops: ChangeInput['ops']) =>
      store.dispatch(applyPatch({ changes: [{ source: 'stream', ops }] }))
    return { store, rejections, send }
  }

  const counted = () => {
    const calls = { item: 0 }
    const Item = z.object({ name: z.string().min(1), qty: z.number().nonnegative() }).refine(() => {
      calls.item++
      return true
    })
    return { calls, Item }
  }

  it('a change to one element validates only that element', () => {
    const { calls, Item } = counted()
    const { send, rejections } = catalogStore(
      z.object({ catalog: z.object({ items: z.array(Item) }) }),
    )
    send({ op: 'replace', path: ['catalog', 'items', 1, 'qty'], value: 5 })
    expect(rejections).toEqual([])
    expect(calls.item).toBe(1)
  })

  it('a change to one element is not blocked by another invalid element', () => {
    const { Item } = counted()
    const { store, send, rejections } = catalogStore(
      z.object({ catalog: z.object({ items: z.array(Item) }) }),
    )
    send({ op: 'replace', path: ['catalog', 'items', 0], value: { name: 'uno', qty: 10 } })
    expect(rejections).toEqual([])
    expect(store.getState().catalog.items[0]).toEqual({ name: 'uno', qty: 10 })
  })

  it('an invalid write to a field of an element is refused with the path of that field', () => {
    const { Item } = counted()
    const { store, send, rejections } = catalogStore(
      z.object({ catalog: z.object({ items: z.array(Item) }) }),
    )
    send({ op: 'replace', path: ['catalog', 'items', 1, 'name'], value: '' })
    expect(rejections).toEqual([{ reason: 'schema', paths: [['catalog', 'items', 1, 'name']] }])
    expect(store.getState().catalog.items[1]?.name).toBe('two')
  })

  it('appending an element validates the whole array', () => {
    const { calls, Item } = counted()
    const { send, rejections } = catalogStore(
      z.object({ catalog: z.object({ items: z.array(Item) }) }),
    )
    send({ op: 'add', path: ['catalog', 'items', '-'], value: { name: 'four', qty: 4 } })
    // A change of length revalidates the array: every element runs its refinement again,
    // and the untouched invalid one refuses the change.
    expect(rejections.map((r) => r.reason)).toEqual(['schema'])
    expect(calls.item).toBe(4)
  })

  it('removing an element validates the whole array', () => {
    const { send, rejections } = catalogStore(
      z.object({
        catalog: z.object({
          items: z.array(z.object({ name: z.string(), qty: z.number() })).min(3),
        }),
      }),
    )
    send({ op: 'remove', path: ['catalog', 'items', 0] })
    expect(rejections.map((r) => r.reason)).toEqual(['schema'])
  })

  it('an array with a refinement of its own is validated whole when one element changes', () => {
    const Items = z
      .array(z.object({ name: z.string(), qty: z.number() }))
      .refine((items) => new Set(items.map((i) => i.name)).size === items.length, 'names repeat')
    const { store, send, rejections } = catalogStore(
      z.object({ catalog: z.object({ items: Items }) }),
    )
    send({ op: 'replace', path: ['catalog', 'items', 2, 'name'], value: 'one' })
    expect(rejections.map((r) => r.reason)).toEqual(['schema'])
    expect(store.getState().catalog.items[2]?.name).toBe('')
  })

  it('a replace then a remove of the same element in one change validates the whole array', () => {
    const { send, rejections } = catalogStore(
      z.object({
        catalog: z.object({
          items: z.array(z.object({ name: z.string(), qty: z.number() })).min(3),
        }),
      }),
    )
    send(
      { op: 'replace', path: ['catalog', 'items', 0, 'qty'], value: 7 },
      { op: 'remove', path: ['catalog', 'items', 0] },
    )
    expect(rejections.map((r) => r.reason)).toEqual(['schema'])
  })
})
