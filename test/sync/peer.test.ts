import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { createPeerLog } from '../../middleware/sync/peerLog'
import { sync } from '../../middleware/sync/sync'
import type {
  PeerChange,
  PeerMessage,
  PeerTransport,
  SyncInstance,
} from '../../middleware/sync/types'
import { formatHlc } from '../../src/hlc'
import { eventually, makeStore, settings, synced, todos } from './helpers'

const stops: SyncInstance[] = []
afterEach(() => {
  for (const mw of stops.splice(0)) mw.stop()
})

const peer = (options: Partial<Parameters<typeof sync>[0]> & { room: string }) => {
  const mw = sync({ mode: 'peer', allowKeys: ['todos', 'settings'], ...options })
  stops.push(mw)
  return makeStore([mw.middleware])
}

/** An in-memory bus that delivers each message to every other peer in an order the test picks. */
function createShuffleBus() {
  const receivers = new Set<(m: unknown) => void>()
  const queue: { to: (m: unknown) => void; message: PeerMessage }[] = []
  return {
    transport(): PeerTransport {
      let mine: ((m: unknown) => void) | undefined
      return {
        send: (message) => {
          for (const to of receivers)
            if (to !== mine) queue.push({ to, message: structuredClone(message) })
        },
        subscribe(receive) {
          mine = receive
          receivers.add(receive)
          return () => receivers.delete(receive)
        },
        close: () => {},
      }
    },
    /** Delivers everything queued, last sent first, each message twice. */
    deliverBackwards() {
      for (const { to, message } of queue.splice(0).reverse()) {
        to(message)
        to(message)
      }
    },
  }
}

describe('peer mode', () => {
  it('two stores on one BroadcastChannel share edits to different and the same paths', async () => {
    const a = peer({ room: 'tabs-1' })
    const b = peer({ room: 'tabs-1' })
    await eventually(() => expect(b.getState().patchwire.sync['tabs-1']?.connection).toBe('live'))
    await eventually(() => expect(a.getState().patchwire.sync['tabs-1']?.connection).toBe('live'))
    a.dispatch(settings.actions.themeSet('dark'))
    b.dispatch(settings.actions.langSet('de'))
    a.dispatch(todos.actions.added('one'))
    await eventually(() => {
      expect(synced(a)).toEqual(synced(b))
      expect(a.getState().settings).toMatchObject({ theme: 'dark', lang: 'de' })
      expect(b.getState().todos.items).toEqual(['one'])
    })
  })

  it('the later write to a field wins on every peer whatever the delivery order', async () => {
    const bus = createShuffleBus()
    const stores = [0, 1, 2].map((i) =>
      peer({ room: 'tabs-2', transport: bus.transport(), clientId: `p${i}` }),
    )
    await eventually(() => {
      for (const s of stores) expect(s.getState().patchwire.sync['tabs-2']?.connection).toBe('live')
    })
    stores[0]!.dispatch(settings.actions.fieldSet({ key: 'x', value: 1 }))
    stores[1]!.dispatch(settings.actions.fieldSet({ key: 'x', value: 2 }))
    stores[2]!.dispatch(settings.actions.fieldSet({ key: 'x', value: 3 }))
    stores[0]!.dispatch(todos.actions.added('a'))
    stores[2]!.dispatch(todos.actions.added('c'))
    bus.deliverBackwards()
    for (const s of stores) expect(synced(s)).toEqual(synced(stores[0]!))
    expect(stores[0]!.getState().settings.fields.x).toBe(3)
    expect([...stores[1]!.getState().todos.items].sort()).toEqual(['a', 'c'])
  })

  it('a peer never applies its own change twice when the channel echoes it', async () => {
    const bus = createShuffleBus()
    const a = peer({ room: 'tabs-3', transport: bus.transport(), clientId: 'pa' })
    const b = peer({ room: 'tabs-3', transport: bus.transport(), clientId: 'pb' })
    await eventually(() => expect(b.getState().patchwire.sync['tabs-3']?.connection).toBe('live'))
    a.dispatch(todos.actions.added('once'))
    bus.deliverBackwards()
    bus.deliverBackwards()
    expect(b.getState().todos.items).toEqual(['once'])
    expect(a.getState().todos.items).toEqual(['once'])
  })
})

describe('the peer log', () => {
  const change = (node: string, n: number, wall: number, ops: PeerChange['ops']): PeerChange => ({
    id: `${node}:${n}`,
    ts: formatHlc({ wall, counter: n, node }),
    origin: node,
    ops,
  })

  it('converges to one state for any delivery order, with duplicates', () => {
    const op = fc.oneof(
      fc.record({
        op: fc.constant('add' as const),
        path: fc.constantFrom(['a', 'x'], ['a', 'y'], ['list', '-'], ['b']),
        value: fc.integer({ min: 0, max: 99 }),
      }),
      fc.record({
        op: fc.constant('add' as const),
        path: fc.constant(['a']),
        value: fc.constant({ x: 0 }),
      }),
    )
    const changes = fc
      .array(
        fc.tuple(
          fc.constantFrom('n1', 'n2', 'n3'),
          fc.integer({ min: 1, max: 20 }),
          fc.array(op, { minLength: 1, maxLength: 3 }),
        ),
        { minLength: 1, maxLength: 12 },
      )
      .map((list) => list.map(([node, wall, ops], i) => change(node, i, wall, ops)))
    fc.assert(
      fc.property(changes, fc.infiniteStream(fc.nat()), (list, picks) => {
        const start = { a: { x: 0 }, b: 0, list: [] }
        const inOrder = createPeerLog(start)
        for (const c of [...list].sort((p, q) => (p.ts < q.ts ? -1 : 1))) inOrder.insert(c)
        const shuffled = createPeerLog(start)
        const pool = [...list, ...list.slice(0, 3)]
        const it = picks[Symbol.iterator]()
        while (pool.length > 0) {
          const at = (it.next().value as number) % pool.length
          shuffled.insert(pool.splice(at, 1)[0]!)
        }
        expect(shuffled.state).toEqual(inOrder.state)
      }),
      { numRuns: 300, seed: 7 },
    )
  })
})
