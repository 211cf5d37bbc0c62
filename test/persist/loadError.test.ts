import { describe, expect, it } from 'vitest'
import { createMemoryStorage } from '../../src/index'
import { makeStore, storedEntry } from './helpers'

const manifest = (keys: string[]) => JSON.stringify({ v: 1, keys })

describe('persist: the load error in the status slice', () => {
  it('a failed load puts its PatchwireError, as plain data, in the key’s status', async () => {
    const { store, hydrated } = makeStore({
      storage: {
        getItem: () => Promise.reject(new Error('disk on fire')),
        setItem: () => {},
        removeItem: () => {},
      },
    })
    await hydrated()
    expect(store.getState().patchwire.persist.app).toMatchObject({
      state: 'error',
      readOnly: true,
      loadError: {
        name: 'PatchwireError',
        code: 'storage',
        message: 'Storage failed to read "patchwire:app:v1": disk on fire',
        details: { key: 'patchwire:app:v1', operation: 'read' },
      },
    })
  })

  it('a retried load that succeeds clears the load error', async () => {
    const inner = createMemoryStorage([
      ['patchwire:app:v1', manifest(['cart'])],
      ['patchwire:app:v1:cart', storedEntry({ items: ['kept'] })],
    ])
    let failing = true
    const { store, saver, hydrated } = makeStore({
      storage: {
        getItem: (k) => (failing ? Promise.reject(new Error('busy')) : inner.getItem(k)),
        setItem: (k, v) => inner.setItem(k, v),
        removeItem: (k) => inner.removeItem(k),
      },
    })
    await hydrated()
    expect(store.getState().patchwire.persist.app?.loadError?.code).toBe('storage')
    failing = false
    saver.retryLoad()
    await hydrated()
    expect(store.getState().patchwire.persist.app).toMatchObject({
      state: 'ready',
      loadError: null,
    })
  })
})
