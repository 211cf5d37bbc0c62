import { describe, expect, it } from 'vitest'
import { applyPatch, createMemoryStorage } from '../../src/index'
import { cart, makeStore, payloadOf } from './helpers'

describe('persist: two writers on one storage', () => {
  it('adopts a newer entry written by another tab instead of overwriting it', async () => {
    const storage = createMemoryStorage()
    const a = makeStore({ storage, writerId: 'taba' })
    const b = makeStore({ storage, writerId: 'tabb' })
    await Promise.all([a.hydrated(), b.hydrated()])
    a.store.dispatch(cart.actions.added('from A'))
    await a.saver.flush()
    b.store.dispatch(cart.actions.added('from B'))
    await b.saver.flush()
    expect(payloadOf(storage.getItem('patchwire:app:v1:cart'))).toEqual({ items: ['from A'] })
    expect(b.store.getState().cart.items).toEqual(['from A'])
    const adoption = b.actions.filter((x) => applyPatch.match(x)).at(-1) as ReturnType<
      typeof applyPatch
    >
    expect(adoption.payload.changes[0]?.source).toBe('persist')
  })

  it('writes normally once it has seen the other tab’s latest entry', async () => {
    const storage = createMemoryStorage()
    const a = makeStore({ storage, writerId: 'taba' })
    const b = makeStore({ storage, writerId: 'tabb' })
    await Promise.all([a.hydrated(), b.hydrated()])
    a.store.dispatch(cart.actions.added('from A'))
    await a.saver.flush()
    b.store.dispatch(cart.actions.added('ignored'))
    await b.saver.flush()
    b.store.dispatch(cart.actions.added('then B'))
    await b.saver.flush()
    expect(payloadOf(storage.getItem('patchwire:app:v1:cart'))).toEqual({
      items: ['from A', 'then B'],
    })
  })

  it('overwrites without looking when crossTab is overwrite', async () => {
    const storage = createMemoryStorage()
    const a = makeStore({ storage, writerId: 'taba', crossTab: 'overwrite' })
    const b = makeStore({ storage, writerId: 'tabb', crossTab: 'overwrite' })
    await Promise.all([a.hydrated(), b.hydrated()])
    a.store.dispatch(cart.actions.added('from A'))
    await a.saver.flush()
    b.store.dispatch(cart.actions.added('from B'))
    await b.saver.flush()
    expect(payloadOf(storage.getItem('patchwire:app:v1:cart'))).toEqual({ items: ['from B'] })
  })

  it('keeps its own writes when the stored entry is the one it wrote last', async () => {
    const storage = createMemoryStorage()
    const a = makeStore({ storage, writerId: 'taba' })
    await a.hydrated()
    a.store.dispatch(cart.actions.added('one'))
    await a.saver.flush()
    a.store.dispatch(cart.actions.added('two'))
    await a.saver.flush()
    expect(payloadOf(storage.getItem('patchwire:app:v1:cart'))).toEqual({ items: ['one', 'two'] })
  })
})
