import { io } from 'socket.io-client'
import { afterEach, describe, expect, it } from 'vitest'
import { confirmed } from '../../middleware/sync/guarantees/confirmed'
import { createLeaseLocks } from '../../middleware/sync/leader/leaseLocks'
import { createSharedSocket } from '../../middleware/sync/leader/sharedSocket'
import type { TabLocks } from '../../middleware/sync/types'
import { eventually, live, startRelay, todos } from '../sync/helpers'
import { makeSyncedStore } from './helpers'
import { createLocalLocks } from './localLocks'

type Relay = Awaited<ReturnType<typeof startRelay>>
let relay: Relay | undefined
const stops: (() => void)[] = []
afterEach(async () => {
  for (const stop of stops.splice(0)) stop()
  await relay?.stop()
  relay = undefined
})

async function start(): Promise<Relay> {
  relay = await startRelay()
  return relay
}

interface Tab {
  name: string
  store: ReturnType<typeof makeSyncedStore>['store']
  leader: boolean
  close(): void
}

/** Opens `count` tabs of one browser (one lock manager) syncing `room`. */
function openTabs(r: Relay, room: string, count: number, locks: TabLocks, share = true): Tab[] {
  return Array.from({ length: count }, (_, i) => {
    const tab = { name: `tab${i}`, leader: false } as Tab
    const { store, mw } = makeSyncedStore({
      room,
      allowKeys: ['todos', 'settings'],
      url: r.url,
      shareConnection: share,
      tabLocks: locks,
      onLeadership: (leader) => {
        tab.leader = leader
      },
    })
    let closed = false
    tab.store = store
    tab.close = () => {
      if (closed) return
      closed = true
      mw.stop()
    }
    stops.push(tab.close)
    return tab
  })
}

const settled = (tab: Tab, room: string) =>
  eventually(() =>
    expect(tab.store.getState().patchwire.sync[room]).toMatchObject({
      connection: 'live',
      pending: 0,
    }),
  )

async function sockets(r: Relay): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 20))
  return r.relay.io.engine.clientsCount
}

describe('one connection per browser', () => {
  it('a leader whose socket the relay refused reads as inactive, so a session started later connects it again', async () => {
    const r = await start()
    const errors: string[] = []
    const shared = createSharedSocket({
      key: 'refused-namespace',
      // A namespace the relay does not serve: the server refuses the connection and socket.io-client gives up.
      open: () => io(`${r.url}/nowhere`, { transports: ['websocket'], forceNew: true }),
      locks: createLocalLocks(),
    })
    stops.push(() => shared.disconnect())
    shared.on('connect_error', (err: Error) => errors.push(err.message))
    await eventually(() => expect(errors).toHaveLength(1))
    expect(shared.active).toBe(false)
    shared.connect()
    await eventually(() => expect(errors).toHaveLength(2))
  })

  it('without shareConnection every tab opens its own socket', async () => {
    const r = await start()
    const tabs = openTabs(r, 's0', 3, createLocalLocks(), false)
    for (const tab of tabs) await live(tab.store, 's0')
    expect(await sockets(r)).toBe(3)
  })

  for (const count of [2, 3]) {
    it(`${count} tabs share one socket and see each other's changes`, async () => {
      const r = await start()
      const room = `s${count}`
      const tabs = openTabs(r, room, count, createLocalLocks())
      for (const tab of tabs) await live(tab.store, room)
      expect(tabs.filter((t) => t.leader)).toHaveLength(1)
      expect(await sockets(r)).toBe(1)
      for (const tab of tabs) tab.store.dispatch(todos.actions.added(tab.name))
      const expected = tabs.map((t) => t.name).sort()
      await eventually(() => {
        for (const tab of tabs)
          expect([...tab.store.getState().todos.items].sort()).toEqual(expected)
      })
      for (const tab of tabs) await settled(tab, room)
      expect([...((await r.roomState(room)).todos as { items: string[] }).items].sort()).toEqual(
        expected,
      )
    })
  }

  it('a follower tab gets its confirmed write accepted through the leader', async () => {
    const r = await start()
    const tabs = openTabs(r, 'c1', 2, createLocalLocks())
    for (const tab of tabs) await live(tab.store, 'c1')
    const follower = tabs.find((t) => !t.leader) as Tab
    const { seq } = await follower.store.dispatch(confirmed(todos.actions.added('via leader')))
    expect(seq).toBeGreaterThan(0)
  })

  it('when the leader tab closes mid-burst another takes over: no change lost, none doubled', async () => {
    const r = await start()
    const tabs = openTabs(r, 'b1', 3, createLocalLocks())
    for (const tab of tabs) await live(tab.store, 'b1')
    const leader = tabs.find((t) => t.leader) as Tab
    leader.store.dispatch(todos.actions.added('leader'))
    await settled(leader, 'b1')
    const followers = tabs.filter((t) => t !== leader)
    const expected = ['leader']
    for (let i = 0; i < 20; i++) {
      if (i === 10) leader.close()
      for (const tab of followers) {
        tab.store.dispatch(todos.actions.added(`${tab.name}-${i}`))
        expected.push(`${tab.name}-${i}`)
      }
      await Promise.resolve()
    }
    await eventually(() => expect(followers.filter((t) => t.leader)).toHaveLength(1))
    for (const tab of followers) await settled(tab, 'b1')
    const room = ((await r.roomState('b1')).todos as { items: string[] }).items
    expect([...room].sort()).toEqual([...expected].sort())
    for (const tab of followers) expect(tab.store.getState().todos.items).toEqual(room)
    // The closed leader's socket is gone once the relay notices; the new leader's remains.
    await eventually(() => expect(r.relay.io.engine.clientsCount).toBe(1))
  })

  it('two tabs that both got the lock in one instant settle on one leader and one socket', async () => {
    const r = await start()
    // The lease fallback's weak spot, forced: the first two requests are both
    // granted; later ones wait (the winner holds the lock from then on).
    let granted = 0
    const splitBrain: TabLocks = {
      request: (_name, options, hold) =>
        granted++ < 2
          ? hold()
          : new Promise((_resolve, reject) =>
              options.signal?.addEventListener('abort', () => reject(options.signal?.reason)),
            ),
    }
    const tabs = openTabs(r, 'sb', 2, splitBrain)
    await eventually(() => {
      expect(tabs.filter((t) => t.leader)).toHaveLength(1)
      for (const tab of tabs) {
        expect(tab.store.getState().patchwire.sync.sb?.connection).toBe('live')
      }
    })
    // The tab that stepped down closed its socket; the relay notices shortly.
    await eventually(() => expect(r.relay.io.engine.clientsCount).toBe(1))
    for (const tab of tabs) tab.store.dispatch(todos.actions.added(tab.name))
    for (const tab of tabs) await settled(tab, 'sb')
    await eventually(() => {
      for (const tab of tabs)
        expect([...tab.store.getState().todos.items].sort()).toEqual(['tab0', 'tab1'])
    })
  })

  it('without Web Locks, BroadcastChannel leases keep one leader and replace a closed one', async () => {
    const r = await start()
    const locks = createLeaseLocks({ heartbeatMs: 30, leaseMs: 300, claimMs: 60 })
    // Tabs open one after the other, as they do in a browser: the lease is a
    // fallback and two claims in the same instant are its weak spot.
    const [first] = openTabs(r, 'l1', 1, locks)
    await eventually(() => expect(first?.leader).toBe(true))
    const tabs = [first as Tab, ...openTabs(r, 'l1', 1, locks)]
    for (const tab of tabs) await live(tab.store, 'l1')
    expect(tabs.filter((t) => t.leader)).toHaveLength(1)
    expect(await sockets(r)).toBe(1)
    const leader = tabs.find((t) => t.leader) as Tab
    const other = tabs.find((t) => t !== leader) as Tab
    leader.close()
    await eventually(() => expect(other.leader).toBe(true))
    other.store.dispatch(todos.actions.added('after takeover'))
    await settled(other, 'l1')
    expect((await r.roomState('l1')).todos).toEqual({ items: ['after takeover'] })
  })
})
