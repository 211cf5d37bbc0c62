import { describe, expect, it } from 'vitest'
import { applyPatch, isPatchwireError, patchRejected } from '../../src/index'
import { getTrafficLog, patchwireTrafficLog } from '../../src/react/trafficLog'
import { makeStore } from './store'

const add = (text: string, source: 'local' | 'sync' = 'local') =>
  applyPatch({
    changes: [{ source, ops: [{ op: 'add', path: '/notes/items/-', value: { text } }] }],
  })

describe('patchwireTrafficLog', () => {
  it('records every change of an applyPatch in order with its metadata', () => {
    const { store, log } = makeStore()
    store.dispatch(
      applyPatch({
        changes: [
          { source: 'local', ops: [{ op: 'add', path: '/notes/items/-', value: { text: 'a' } }] },
          {
            source: 'sync',
            origin: 'peer',
            seq: 7,
            ts: '1-0-peer',
            id: 'peer:1',
            room: 'r',
            ops: [{ op: 'replace', path: '/notes/title', value: 'x' }],
          },
        ],
      }),
    )
    const entries = log.entries()
    expect(entries.map((e) => [e.direction, e.source, e.status])).toEqual([
      ['out', 'local', 'applied'],
      ['in', 'sync', 'applied'],
    ])
    expect(entries[1]).toMatchObject({
      origin: 'peer',
      seq: 7,
      ts: '1-0-peer',
      id: 'peer:1',
      room: 'r',
      at: 1_000,
    })
  })

  it('marks a change the schema refused as rejected with the validator issues', () => {
    const { store, log } = makeStore()
    store.dispatch(add(''))
    const [entry] = log.entries()
    expect(entry).toMatchObject({ status: 'rejected', reason: 'schema' })
    expect(entry?.issues?.length).toBeGreaterThan(0)
    expect(log.entries()).toHaveLength(1)
  })

  it('records a refusal reported by the relay once, with its stage', () => {
    const { store, log } = makeStore()
    store.dispatch(
      patchRejected({
        change: { source: 'local', id: 'me:1', ops: [{ op: 'remove', path: ['notes', 'title'] }] },
        source: 'local',
        reason: 'forbidden',
        issues: [{ message: 'no write access' }],
        stage: 'relay',
        at: 5,
      }),
    )
    expect(log.entries()).toEqual([
      expect.objectContaining({
        status: 'rejected',
        stage: 'relay',
        reason: 'forbidden',
        id: 'me:1',
        at: 5,
      }),
    ])
  })

  it('keeps only the newest entries once the ring is full', () => {
    const { store, log } = makeStore(3)
    for (const text of ['a', 'b', 'c', 'd', 'e']) store.dispatch(add(text))
    expect(
      log.entries().map((e) => (e.ops[0]?.value as { text?: string } | undefined)?.text),
    ).toEqual(['c', 'd', 'e'])
    expect(log.entries().map((e) => e.n)).toEqual([2, 3, 4])
  })

  it('returns the same snapshot until something new is logged', () => {
    const { store, log } = makeStore()
    store.dispatch(add('a'))
    const first = log.entries()
    expect(log.entries()).toBe(first)
    store.dispatch(add('b'))
    expect(log.entries()).not.toBe(first)
  })

  it('notifies subscribers on each logged change and stops after unsubscribe', () => {
    const { store, log } = makeStore()
    let calls = 0
    const off = log.subscribe(() => calls++)
    store.dispatch(add('a'))
    store.dispatch({ type: 'unrelated' })
    off()
    store.dispatch(add('b'))
    expect(calls).toBe(1)
  })

  it('is found from the store it was installed in', () => {
    const { store, log } = makeStore()
    expect(getTrafficLog(store)).toBe(log)
    expect(getTrafficLog(makeStore().store)).not.toBe(log)
  })

  it('empties on clear', () => {
    const { store, log } = makeStore()
    store.dispatch(add('a'))
    log.clear()
    expect(log.entries()).toEqual([])
  })

  it('refuses a size that is not a positive integer, naming the option', () => {
    let caught: unknown
    try {
      patchwireTrafficLog({ size: 0 })
    } catch (err) {
      caught = err
    }
    expect(isPatchwireError(caught) && caught.code).toBe('option')
    expect((caught as Error).message).toContain('"size"')
  })
})

describe('patchwireTrafficLog watching a socket', () => {
  type Listener = (event: string, ...args: unknown[]) => void
  // The two methods of socket.io-client's Socket the log uses; emit() calls the listeners as Socket.emit does.
  function outgoing() {
    const listeners = new Set<Listener>()
    return {
      onAnyOutgoing: (l: Listener) => listeners.add(l),
      offAnyOutgoing: (l: Listener) => listeners.delete(l),
      emit: (event: string, ...args: unknown[]) => {
        for (const l of listeners) l(event, ...args)
      },
    }
  }

  it('records each pushed change as outbound with its id, timestamp, room and ops', () => {
    const socket = outgoing()
    const traffic = patchwireTrafficLog({ sockets: [socket], now: () => 7 })
    const ops = [{ op: 'replace', path: ['notes', 'title'], value: 'x' }]
    socket.emit('push', { room: 'r', changes: [{ id: 'me:1', ts: '5-0-me', ops }] }, () => {})
    socket.emit('join', { room: 'r' }, () => {})
    expect(traffic.log.entries()).toEqual([
      {
        n: 0,
        direction: 'out',
        status: 'pushed',
        source: 'local',
        at: 7,
        id: 'me:1',
        ts: '5-0-me',
        room: 'r',
        ops,
      },
    ])
  })

  it('stops recording a socket once unwatched', () => {
    const socket = outgoing()
    const traffic = patchwireTrafficLog()
    const stop = traffic.log.watchSocket(socket)
    stop()
    socket.emit('push', { room: 'r', changes: [{ id: 'me:1', ts: '1', ops: [] }] })
    expect(traffic.log.entries()).toEqual([])
  })
})
