import { describe, expect, it } from 'vitest'
import { createMemoryStorage, isPatchwireError } from '../../src/index'
import { cart, countingStorage, makeStore, payloadOf, settings, user } from './helpers'

describe('persist: saving', () => {
  it('rewrites only the top-level keys whose state changed', async () => {
    const { storage, sets } = countingStorage(createMemoryStorage())
    const { store, saver, hydrated } = makeStore({ storage })
    await hydrated()
    store.dispatch(cart.actions.added('a'))
    await saver.flush()
    expect(sets.filter((k) => k !== 'patchwire:app:v1')).toEqual(['patchwire:app:v1:cart'])
    sets.length = 0
    store.dispatch(settings.actions.themeSet('dark'))
    await saver.flush()
    expect(sets).toEqual(['patchwire:app:v1', 'patchwire:app:v1:settings'])
    sets.length = 0
    store.dispatch(settings.actions.themeSet('light'))
    await saver.flush()
    expect(sets).toEqual(['patchwire:app:v1:settings'])
  })

  it('coalesces a burst of changes to one key into one write', async () => {
    const { storage, sets } = countingStorage(createMemoryStorage())
    const { store, saver, hydrated } = makeStore({ storage })
    await hydrated()
    for (const item of ['a', 'b', 'c', 'd']) store.dispatch(cart.actions.added(item))
    await saver.flush()
    expect(sets.filter((k) => k === 'patchwire:app:v1:cart')).toHaveLength(1)
  })

  it('writes after the debounce delay without an explicit flush', async () => {
    const storage = createMemoryStorage()
    const written = new Promise<void>((resolve) => {
      const set = storage.setItem
      storage.setItem = (k, v) => {
        set(k, v)
        if (k.endsWith(':cart')) resolve()
      }
    })
    const { store, hydrated } = makeStore({ storage, debounceMs: 5 })
    await hydrated()
    store.dispatch(cart.actions.added('later'))
    await written
    expect(payloadOf(storage.getItem('patchwire:app:v1:cart'))).toEqual({ items: ['later'] })
  })

  it('returns a promise from flush() that settles once written', async () => {
    const { storage } = countingStorage(createMemoryStorage(), true)
    const inner = createMemoryStorage()
    const { store, saver, hydrated } = makeStore({
      storage: {
        getItem: (k) => storage.getItem(k),
        setItem: async (k, v) => {
          await storage.setItem(k, v)
          inner.setItem(k, v)
        },
        removeItem: (k) => storage.removeItem(k),
      },
    })
    await hydrated()
    store.dispatch(cart.actions.added('x'))
    const pending = saver.flush()
    expect(pending).toBeInstanceOf(Promise)
    await pending
    expect(payloadOf(inner.getItem('patchwire:app:v1:cart'))).toEqual({ items: ['x'] })
  })

  it('flushes pending changes on teardown', async () => {
    const storage = createMemoryStorage()
    const { store, saver, hydrated } = makeStore({ storage })
    await hydrated()
    store.dispatch(cart.actions.added('last'))
    await saver.stop()
    expect(payloadOf(storage.getItem('patchwire:app:v1:cart'))).toEqual({ items: ['last'] })
  })

  it('keeps the app working and reports storage_quota when every write exceeds the quota', async () => {
    const inner = createMemoryStorage()
    const errors: unknown[] = []
    const quota = () => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError')
    }
    const { store, saver, hydrated } = makeStore({
      storage: { getItem: inner.getItem, setItem: quota, removeItem: inner.removeItem },
      onSaveError: (e) => errors.push(e),
    })
    await hydrated()
    store.dispatch(cart.actions.added('a'))
    await saver.flush()
    store.dispatch(cart.actions.added('b'))
    await saver.flush()
    expect(store.getState().cart.items).toEqual(['a', 'b'])
    expect(errors.length).toBe(2)
    expect(errors.every((e) => isPatchwireError(e, 'storage_quota'))).toBe(true)
    expect(store.getState().patchwire.persist.app).toMatchObject({
      state: 'error',
      lastSavedAt: null,
    })
    expect(store.getState().patchwire.persist.app?.lastError).toMatch(/full/)
  })

  it('reports a value that cannot be serialized as a serialize error and saves the other keys', async () => {
    const storage = createMemoryStorage()
    const errors: unknown[] = []
    const { store, saver, hydrated } = makeStore(
      {
        storage,
        onSaveError: (e) => errors.push(e),
        serialize: (v) => {
          if ((v as { items?: string[] }).items?.includes('bad')) throw new TypeError('no')
          return JSON.stringify(v)
        },
      },
      false,
    )
    await hydrated()
    store.dispatch(cart.actions.added('bad'))
    store.dispatch(settings.actions.themeSet('dark'))
    await saver.flush()
    expect(errors.map((e) => isPatchwireError(e, 'serialize'))).toEqual([true])
    expect(payloadOf(storage.getItem('patchwire:app:v1:settings'))).toEqual({ theme: 'dark' })
    expect(store.getState().patchwire.persist.app?.lastSavedAt).toEqual(expect.any(Number))
  })

  it('never writes denied keys or denied paths to storage', async () => {
    const storage = createMemoryStorage()
    const { store, saver, hydrated } = makeStore({
      storage,
      deny: ['settings', 'user.token', 'user.prefs.card'],
    })
    await hydrated()
    store.dispatch(user.actions.signedIn({ name: 'ann', token: 'SECRET-TOKEN' }))
    store.dispatch(user.actions.prefsChanged({ lang: 'fr', card: 'SECRET-CARD' }))
    store.dispatch(settings.actions.themeSet('dark'))
    await saver.flush()
    const everything = [...storage.data.values()].join('\n')
    expect(everything).not.toContain('SECRET')
    expect(storage.keys()).not.toContain('patchwire:app:v1:settings')
    expect(payloadOf(storage.getItem('patchwire:app:v1:user'))).toEqual({
      name: 'ann',
      prefs: { lang: 'fr' },
    })
  })

  it('restores a denied path from the initial state rather than from storage', async () => {
    const storage = createMemoryStorage()
    const first = makeStore({ storage, deny: ['user.token'] })
    await first.hydrated()
    first.store.dispatch(user.actions.signedIn({ name: 'ann', token: 'SECRET' }))
    await first.saver.stop()
    const second = makeStore({ storage, deny: ['user.token'] })
    await second.hydrated()
    expect(second.store.getState().user).toMatchObject({ name: 'ann', token: '' })
  })

  it('writes only the allowed paths and leaves everything else out of storage', async () => {
    const storage = createMemoryStorage()
    const { store, saver, hydrated } = makeStore({ storage, allow: ['cart', 'user.prefs.lang'] })
    await hydrated()
    store.dispatch(cart.actions.added('a'))
    store.dispatch(user.actions.signedIn({ name: 'ann', token: 'SECRET' }))
    store.dispatch(user.actions.prefsChanged({ lang: 'de', card: 'SECRET' }))
    store.dispatch(settings.actions.themeSet('dark'))
    await saver.stop()
    expect([...storage.data.values()].join('\n')).not.toContain('SECRET')
    expect(storage.keys().sort()).toEqual([
      'patchwire:app:v1',
      'patchwire:app:v1:cart',
      'patchwire:app:v1:user',
    ])
    const second = makeStore({ storage, allow: ['cart', 'user.prefs.lang'] })
    await second.hydrated()
    expect(second.store.getState().user).toEqual({
      name: 'anon',
      token: '',
      prefs: { lang: 'de', card: '' },
    })
  })

  it('throws at setup when an option is misused, naming the option', () => {
    expect(() => makeStore({ storage: { getItem: () => null } as never })).toThrow(
      /^persist: storage must be /,
    )
    expect(() => makeStore({ storage: createMemoryStorage(), key: 'a:b' })).toThrow(
      /^persist: key must be /,
    )
    expect(() => makeStore({ storage: createMemoryStorage(), deny: ['user..x'] })).toThrow(
      /^persist: deny must be /,
    )
  })
})
