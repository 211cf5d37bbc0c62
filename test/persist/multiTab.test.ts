import { describe, expect, it } from 'vitest'
import { applyPatch, createMemoryStorage } from '../../src/index'
import { cart, countingStorage, makeStore, payloadOf } from './helpers'

/** Waits until `check` holds (delivery between tabs is asynchronous); fails after 5 s. */
async function until(check: () => boolean): Promise<void> {
  for (let waited = 0; !check(); waited += 5) {
    if (waited > 5_000) throw new Error('condition never held')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

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

  it('with notifyTabs, another tab adopts a write as soon as it is told, without writing', async () => {
    const shared = createMemoryStorage()
    const a = makeStore({ storage: shared, writerId: 'taba', notifyTabs: true })
    const counted = countingStorage(shared)
    const b = makeStore({ storage: counted.storage, writerId: 'tabb', notifyTabs: true })
    await Promise.all([a.hydrated(), b.hydrated()])
    a.store.dispatch(cart.actions.added('told'))
    await a.saver.flush()
    await until(() => b.store.getState().cart.items.length > 0)
    expect(b.store.getState().cart.items).toEqual(['told'])
    await b.saver.flush()
    expect(counted.sets).toEqual([])
  })
})
