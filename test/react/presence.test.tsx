import { renderToString } from 'react-dom/server'
import { Provider } from 'react-redux'
import { afterEach, describe, expect, it } from 'vitest'
import { setPresence } from '../../src/index'
import { PatchwireDebugger, usePresence } from '../../src/react/index'
import { eventually, live, startRelay, type TestStore } from '../sync/helpers'

let relay: Awaited<ReturnType<typeof startRelay>> | undefined
afterEach(async () => {
  await relay?.stop()
  relay = undefined
})

/** Two stores in one room through a real relay; alice has set her presence and bob sees it. */
async function twoInRoom(room: string) {
  relay = await startRelay()
  const alice = relay.client({ room, clientId: 'alice' })
  const bob = relay.client({ room, clientId: 'bob' })
  await live(bob.store, room)
  alice.store.dispatch(setPresence({ name: 'Alice', typing: true }))
  await eventually(() =>
    expect(Object.keys(bob.store.getState().patchwire.presence[room]?.entries ?? {})).toHaveLength(
      1,
    ),
  )
  return { alice, bob }
}

const html = (store: TestStore, node: React.ReactNode) =>
  renderToString(<Provider store={store}>{node}</Provider>)

describe('presence in React', () => {
  it('usePresence returns the room’s entries by connection id', async () => {
    const { bob } = await twoInRoom('lobby')
    function Probe() {
      return <pre>{JSON.stringify(Object.values(usePresence('lobby')))}</pre>
    }
    const out = html(bob.store, <Probe />).replaceAll('&quot;', '"')
    expect(JSON.parse(out.replace(/^<pre>/, '').replace(/<\/pre>$/, ''))).toEqual([
      { clientId: 'alice', value: { name: 'Alice', typing: true }, self: false },
    ])
  })

  it('the debugger panel lists who is present in each room', async () => {
    const { bob } = await twoInRoom('dev')
    const panel = html(bob.store, <PatchwireDebugger />)
    expect(panel).toContain('data-pw-presence="dev"')
    expect(panel).toContain('data-pw-presence-entry="alice"')
    expect(panel).toContain('1 here')
  })
})
