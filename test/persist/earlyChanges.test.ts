import { describe, expect, it } from 'vitest'
import { createMemoryStorage } from '../../src/index'
import { cart, countingStorage, makeStore, settings, storedEntry, user } from './helpers'

const manifest = (keys: string[]) => JSON.stringify({ v: 1, keys })

describe('persist: changes made while the load runs', () => {
  it('a change dispatched before the load finished is saved along with the loaded data', async () => {
    const inner = createMemoryStorage([
      ['patchwire:app:v1', manifest(['cart', 'settings'])],
      ['patchwire:app:v1:cart', storedEntry({ items: ['apple'] })],
      ['patchwire:app:v1:settings', storedEntry({ theme: 'dark' })],
    ])
    // Every storage call settles on a later macrotask, as with IndexedDB.
    const { storage } = countingStorage(inner, true)
    const first = makeStore({ storage })
    first.store.dispatch(cart.actions.added('pear'))
    await first.saver.flush()
    expect(first.store.getState().cart.items).toEqual(['apple', 'pear'])
    await first.saver.stop()
    const reloaded = makeStore({ storage })
    await reloaded.hydrated()
    expect(reloaded.store.getState().cart.items).toEqual(['apple', 'pear'])
    expect(reloaded.store.getState().settings.theme).toBe('dark')
  })

  it('a change dispatched right after configureStore on first run is saved', async () => {
    const storage = createMemoryStorage()
    const first = makeStore({ storage })
    first.store.dispatch(cart.actions.added('first run'))
    first.store.dispatch(settings.actions.themeSet('dark'))
    await first.saver.flush()
    await first.saver.stop()
    const reloaded = makeStore({ storage })
    await reloaded.hydrated()
    expect(reloaded.store.getState().cart.items).toEqual(['first run'])
    expect(reloaded.store.getState().settings.theme).toBe('dark')
  })

  it('an early change wins on the paths it touched and the loaded value keeps the rest', async () => {
    const storage = createMemoryStorage([
      ['patchwire:app:v1', manifest(['user'])],
      [
        'patchwire:app:v1:user',
        storedEntry({ name: 'ann', token: 'old', prefs: { lang: 'fr', card: '' } }),
      ],
    ])
    const first = makeStore({ storage })
    first.store.dispatch(user.actions.signedIn({ name: 'bob', token: 'new' }))
    await first.hydrated()
    expect(first.store.getState().user).toEqual({
      name: 'bob',
      token: 'new',
      prefs: { lang: 'fr', card: '' },
    })
  })

  it('persistStop dispatched while the load runs still writes the early change', async () => {
    const { storage } = countingStorage(createMemoryStorage(), true)
    const first = makeStore({ storage })
    first.store.dispatch(cart.actions.added('before teardown'))
    await first.saver.stop()
    const reloaded = makeStore({ storage })
    await reloaded.hydrated()
    expect(reloaded.store.getState().cart.items).toEqual(['before teardown'])
  })
})
