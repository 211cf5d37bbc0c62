import { afterEach, describe, expect, it } from 'vitest'
import { formatHlc } from '../../src/hlc'
import { ask, startRelay } from './helpers'

type Started = Awaited<ReturnType<typeof startRelay>>
let running: Started[] = []
afterEach(async () => {
  await Promise.all(running.map((r) => r.stop()))
  running = []
})

/** A seed as a fresh client sends it: its start state, stamped with wall time 0. */
const seed = (client: string, state: Record<string, unknown>) => ({
  id: `${client}:1`,
  ts: formatHlc({ wall: 0, counter: 0, node: client }),
  ops: Object.entries(state).map(([key, value]) => ({ op: 'add' as const, path: [key], value })),
})

const twoFreshClients = async () => {
  const r = await startRelay()
  running.push(r)
  const a = await r.connect()
  const b = await r.connect()
  await ask(a, 'join', { room: 'r', clientId: 'a', schemaVersion: 1 })
  await ask(b, 'join', { room: 'r', clientId: 'b', schemaVersion: 1 })
  const reader = async () => {
    const s = await r.connect()
    return ask(s, 'join', { room: 'r', clientId: 'reader', schemaVersion: 1 })
  }
  return { a, b, reader }
}

describe('seeds of an empty room', () => {
  it('a second seed keeps the first seed’s data: its other paths are applied and the rest reported stale', async () => {
    const { a, b, reader } = await twoFreshClients()
    await ask(a, 'push', { room: 'r', changes: [seed('a', { todos: ['from a'] })] })
    const res = await ask(b, 'push', {
      room: 'r',
      changes: [seed('b', { todos: ['from b'], prefs: { dark: true } })],
    })
    expect(res).toEqual({
      ok: true,
      results: [
        {
          id: 'b:1',
          seq: 2,
          ops: [{ op: 'add', path: ['prefs'], value: { dark: true } }],
          dropped: 1,
        },
      ],
    })
    expect(await reader()).toMatchObject({
      snapshot: { todos: ['from a'], prefs: { dark: true } },
    })
  })

  it('a seed whose every path the room already holds is refused stale', async () => {
    const { a, b, reader } = await twoFreshClients()
    await ask(a, 'push', { room: 'r', changes: [seed('a', { todos: ['from a'] })] })
    const res = await ask(b, 'push', { room: 'r', changes: [seed('b', { todos: ['from b'] })] })
    expect(res).toMatchObject({ ok: true, results: [{ id: 'b:1', reason: 'stale' }] })
    expect(await reader()).toMatchObject({ seq: 1, snapshot: { todos: ['from a'] } })
  })
})
