import type { Middleware } from '@reduxjs/toolkit'
import { afterEach, describe, expect, it } from 'vitest'
import { sync } from '../../middleware/sync/sync'
import { syncStatusChanged } from '../../slices/patchwireSlice'
import { applyPatch } from '../../src/actions'
import { isPatchwireError } from '../../src/errors'
import { eventually, live, makeStore, startRelay, todos } from './helpers'

let relay: Awaited<ReturnType<typeof startRelay>> | undefined
afterEach(async () => {
  await relay?.stop()
  relay = undefined
})

const optionError = (make: () => unknown): string | undefined => {
  try {
    make()
  } catch (err) {
    if (isPatchwireError(err, 'option')) return err.details.option
    throw err
  }
  return undefined
}

describe('sync options', () => {
  it('refuses a missing room at setup, naming the option', () => {
    expect(optionError(() => sync({ allowKeys: ['todos'], url: 'http://x' } as never))).toBe('room')
  })

  it('refuses empty allowKeys and the status slice as a synced key', () => {
    expect(optionError(() => sync({ room: 'r', allowKeys: [], url: 'http://x' }))).toBe('allowKeys')
    expect(optionError(() => sync({ room: 'r', allowKeys: ['patchwire'], url: 'http://x' }))).toBe(
      'allowKeys',
    )
    expect(
      optionError(() => sync({ room: 'r', allowKeys: ['a.__proto__'], url: 'http://x' })),
    ).toBe('allowKeys')
  })

  it('refuses a relay mode without a socket or url, and a client id with "-"', () => {
    expect(optionError(() => sync({ room: 'r', allowKeys: ['todos'] }))).toBe('socket')
    expect(
      optionError(() =>
        sync({ room: 'r', allowKeys: ['todos'], url: 'http://x', clientId: 'a-b' }),
      ),
    ).toBe('clientId')
    expect(
      optionError(() => sync({ room: 'r', allowKeys: ['todos'], mode: 'bogus' as never })),
    ).toBe('mode')
  })

  it('refuses a client id reserved for the relay server-side writers', () => {
    for (const clientId of ['server', 'server:billing']) {
      expect(
        optionError(() => sync({ room: 'r', allowKeys: ['todos'], url: 'http://x', clientId })),
      ).toBe('clientId')
    }
  })

  it('refuses the shared connections\' group id "tabs" as a client id, naming the option', () => {
    expect(
      optionError(() =>
        sync({ room: 'r', allowKeys: ['todos'], url: 'http://x', clientId: 'tabs' }),
      ),
    ).toBe('clientId')
  })

  it('creates its own socket from url and closes it on stop', async () => {
    const r = await startRelay()
    relay = r
    const mw = sync({ room: 'u1', allowKeys: ['todos'], url: r.url })
    const store = makeStore([mw.middleware])
    await live(store, 'u1')
    store.dispatch(todos.actions.added('via url'))
    await eventually(() => expect(store.getState().patchwire.sync.u1?.pending).toBe(0))
    expect((await r.roomState('u1')).todos).toEqual({ items: ['via url'] })
    mw.stop()
    for (let i = 0; i < 200 && (await r.relay.health()).sockets > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect((await r.relay.health()).sockets).toBe(0)
  })

  it('coalesces status updates so a burst of relay changes does not double the action count', async () => {
    const r = await startRelay()
    relay = r
    const writer = r.client({ room: 'b1' })
    let statusActions = 0
    let relayChanges = 0
    const counter: Middleware = () => (next) => (action) => {
      if (syncStatusChanged.match(action)) statusActions++
      if (applyPatch.match(action))
        relayChanges += action.payload.changes.filter((c) => c.source === 'sync').length
      return next(action)
    }
    const mw = sync({ room: 'b1', allowKeys: ['todos'], socket: r.socketFor() })
    const reader = makeStore([counter, mw.middleware])
    await live(writer.store, 'b1')
    await live(reader, 'b1')
    statusActions = 0
    relayChanges = 0
    for (let i = 0; i < 40; i++) writer.store.dispatch(todos.actions.added(`t${i}`))
    await eventually(() => expect(reader.getState().todos.items).toHaveLength(40))
    await eventually(() => expect(writer.store.getState().patchwire.sync.b1?.pending).toBe(0))
    const head = await r.roomHead('b1')
    await eventually(() => expect(reader.getState().patchwire.sync.b1?.lastSeq).toBe(head))
    mw.stop()
    expect(relayChanges).toBe(40)
    // One status action per relay change would double the action count (the changes of one
    // push share one applyPatch, so count against the relay changes, not the actions).
    expect(statusActions).toBeLessThan(relayChanges)
  })
})
