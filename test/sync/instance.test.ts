import { afterEach, describe, expect, it } from 'vitest'
import { sync } from '../../middleware/sync/sync'
import { PatchwireError } from '../../src/errors'
import { eventually, live, makeStore, startRelay, todos } from './helpers'

let relay: Awaited<ReturnType<typeof startRelay>> | undefined
afterEach(async () => {
  await relay?.stop()
  relay = undefined
})

describe('the sync instance', () => {
  it('syncs the store its middleware is installed in', async () => {
    relay = await startRelay()
    const team = sync({ room: 'i1', allowKeys: ['todos'], url: relay.url })
    const store = makeStore([team.middleware])
    await live(store, 'i1')
    store.dispatch(todos.actions.added('one'))
    await eventually(() => expect(store.getState().patchwire.sync.i1?.pending).toBe(0))
    expect((await relay.roomState('i1')).todos).toEqual({ items: ['one'] })
    team.stop()
  })

  it('throws at the second store it is installed in, naming the option', () => {
    const team = sync({ room: 'i2', allowKeys: ['todos'], mode: 'peer' })
    makeStore([team.middleware])
    let error: unknown
    try {
      makeStore([team.middleware])
    } catch (err) {
      error = err
    }
    team.stop()
    expect(error).toBeInstanceOf(PatchwireError)
    expect((error as PatchwireError<'option'>).details.option).toBe('middleware')
    expect((error as Error).message).toMatch(/sync\("i2"\)\.middleware is already installed/)
  })
})
