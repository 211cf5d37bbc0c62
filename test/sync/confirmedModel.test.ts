import { describe, expect, it } from 'vitest'
import { createConfirmedModel } from '../../middleware/sync/confirmedModel'
import { applyOps } from '../../src/applyOps'
import { relay } from './relayChangeOf'

const paths = [['todos'], ['settings', 'theme']] as const

const start = () =>
  createConfirmedModel(paths, {
    lastSeq: 1,
    base: { todos: { items: ['a'] }, settings: { theme: 'light' } },
    pending: [],
  })

describe('the confirmed-base + pending-queue model', () => {
  it('shows pending local changes on top of the confirmed base', () => {
    const model = start()
    model.addLocal({
      id: 'me:1',
      ts: 't',
      ops: [{ op: 'add', path: ['todos', 'items', '-'], value: 'b' }],
    })
    expect(model.shown).toEqual({ todos: { items: ['a', 'b'] }, settings: { theme: 'light' } })
    expect(model.base).toEqual({ todos: { items: ['a'] }, settings: { theme: 'light' } })
  })

  it('rebases pending changes over a remote change and keeps both appends', () => {
    const model = start()
    model.addLocal({
      id: 'me:1',
      ts: 't',
      ops: [{ op: 'add', path: ['todos', 'items', '-'], value: 'mine' }],
    })
    model.offer(relay(2, 'peer:1', [{ op: 'add', path: ['todos', 'items', '-'], value: 'theirs' }]))
    const { steps } = model.drain()
    expect(model.shown).toEqual({
      todos: { items: ['a', 'theirs', 'mine'] },
      settings: { theme: 'light' },
    })
    expect(steps).toHaveLength(1)
    expect(steps[0]!.change?.seq).toBe(2)
    // The store showed [a, mine]: the step's ops turn exactly that into [a, theirs, mine].
    const before = { todos: { items: ['a', 'mine'] }, settings: { theme: 'light' } }
    expect(applyOps(before, steps[0]!.ops)).toEqual(model.shown)
  })

  it('removes a change from the pending queue when the relay confirms it', () => {
    const model = start()
    const ops = [{ op: 'replace' as const, path: ['settings', 'theme'], value: 'dark' }]
    const confirmed = relay(2, 'me:1', ops)
    model.addLocal({ id: 'me:1', ts: confirmed.ts, ops })
    model.offer(confirmed)
    const { steps } = model.drain()
    expect(model.pending).toEqual([])
    expect(model.base).toEqual({ todos: { items: ['a'] }, settings: { theme: 'dark' } })
    expect(steps[0]!.ops).toEqual([])
  })

  it('applies relay changes only in sequence order and reports the gap', () => {
    const model = start()
    model.offer(relay(3, 'p:2', [{ op: 'replace', path: ['settings', 'theme'], value: 'blue' }]))
    expect(model.drain().steps).toEqual([])
    expect(model.gap()).toEqual({ since: 1, until: 2 })
    model.offer(relay(2, 'p:1', [{ op: 'replace', path: ['settings', 'theme'], value: 'red' }]))
    const { steps } = model.drain()
    expect(steps.map((s) => s.change?.seq)).toEqual([2, 3])
    expect(model.lastSeq).toBe(3)
    expect(model.gap()).toBeUndefined()
  })

  it('ignores a relay change it already applied', () => {
    const model = start()
    const change = relay(2, 'p:1', [{ op: 'add', path: ['todos', 'items', '-'], value: 'x' }])
    model.offer(change)
    model.drain()
    model.offer(change)
    expect(model.drain().steps).toEqual([])
    expect(model.shown).toEqual({ todos: { items: ['a', 'x'] }, settings: { theme: 'light' } })
  })

  it('rolls a dropped change back out of the visible state', () => {
    const model = start()
    model.addLocal({
      id: 'me:1',
      ts: 't',
      ops: [{ op: 'replace', path: ['settings', 'theme'], value: '' }],
    })
    const step = model.drop('me:1')
    expect(step?.ops).toEqual([{ op: 'replace', path: ['settings', 'theme'], value: 'light' }])
    expect(model.pending).toEqual([])
  })

  it('asks for a replay when a relay change does not fit the confirmed state', () => {
    const model = start()
    model.offer(relay(2, 'p:1', [{ op: 'replace', path: ['missing', 'x'], value: 1 }]))
    expect(model.drain().resync).toBe(true)
    expect(model.lastSeq).toBe(1)
  })

  it('keeps a change pending when a relay change under its id carries other content', () => {
    const model = start()
    // Another process under the same client id took the id first.
    const theirs = relay(2, 'me:2', [{ op: 'add', path: ['todos', 'items', '-'], value: 'theirs' }])
    const mine = { id: 'me:2', ts: theirs.ts, ops: [{ ...theirs.ops[0]!, value: 'mine' }] }
    model.addLocal(mine)
    model.offer(theirs)
    const { steps } = model.drain()
    expect(model.pending).toEqual([mine])
    expect(steps[0]!.own).toBeUndefined()
    expect(model.shown).toEqual({
      todos: { items: ['a', 'theirs', 'mine'] },
      settings: { theme: 'light' },
    })
  })

  it('marks the step of a relay change that is a pending change of its own', () => {
    const model = start()
    const ops = [{ op: 'add' as const, path: ['todos', 'items', '-'], value: 'b' }]
    const confirmed = relay(2, 'me:1', ops)
    model.addLocal({ id: 'me:1', ts: confirmed.ts, ops })
    model.offer(confirmed)
    expect(model.drain().steps[0]!.own).toBe(true)
  })

  it('leaves a change out of the view while a relay change under its id holds only some of its ops', () => {
    const model = start()
    const kept = { op: 'add' as const, path: ['todos', 'items', '-'], value: 'b' }
    const stale = { op: 'replace' as const, path: ['settings', 'theme'], value: 'dark' }
    const applied = relay(2, 'me:1', [kept])
    model.addLocal({ id: 'me:1', ts: applied.ts, ops: [kept, stale] })
    model.offer(applied)
    model.drain()
    // B holds what the relay kept; the push answer says whether the change was this one.
    expect(model.shown).toEqual({ todos: { items: ['a', 'b'] }, settings: { theme: 'light' } })
    expect(model.has('me:1')).toBe(true)
  })

  it('never removes a synced slice the confirmed state has no value for', () => {
    const model = start()
    const step = model.reset({}, 5)
    expect(step.ops).toEqual([])
    expect(model.lastSeq).toBe(5)
  })
  it('keeps the state it shows when the relay confirms the head of the queue', () => {
    const model = start()
    const first = [{ op: 'add' as const, path: ['todos', 'items', '-'], value: 'b' }]
    const second = [{ op: 'replace' as const, path: ['settings', 'theme'], value: 'dark' }]
    const confirmed = relay(2, 'me:1', first)
    model.addLocal({ id: 'me:1', ts: confirmed.ts, ops: first })
    model.addLocal({ id: 'me:2', ts: 't2', ops: second })
    const shown = model.shown
    model.offer(confirmed)
    const { steps } = model.drain()
    expect(model.shown).toBe(shown)
    expect(steps).toEqual([{ change: confirmed, own: true, ops: [] }])
    expect(model.pending.map((p) => p.id)).toEqual(['me:2'])
    expect(model.base).toEqual({ todos: { items: ['a', 'b'] }, settings: { theme: 'light' } })
  })

  it('rebases the queue when a foreign change lands before the confirmation of its head', () => {
    const model = start()
    const mine = [{ op: 'add' as const, path: ['todos', 'items', '-'], value: 'mine' }]
    const confirmed = relay(3, 'me:1', mine)
    model.addLocal({ id: 'me:1', ts: confirmed.ts, ops: mine })
    model.addLocal({
      id: 'me:2',
      ts: 't2',
      ops: [{ op: 'add', path: ['todos', 'items', '-'], value: 'next' }],
    })
    model.offer(relay(2, 'peer:1', [{ op: 'add', path: ['todos', 'items', '-'], value: 'theirs' }]))
    model.offer(confirmed)
    model.drain()
    expect(model.shown).toEqual({
      todos: { items: ['a', 'theirs', 'mine', 'next'] },
      settings: { theme: 'light' },
    })
    expect(model.pending.map((p) => p.id)).toEqual(['me:2'])
  })

  it('lists the paths pending changes write, an append as its array, seeds aside', () => {
    const model = start()
    model.addLocal({
      id: 'me:0',
      ts: 't0',
      ops: [{ op: 'add', path: ['todos'], value: {} }],
      seed: true,
    })
    model.addLocal({
      id: 'me:1',
      ts: 't1',
      ops: [{ op: 'add', path: ['todos', 'items', '-'], value: 'b' }],
    })
    model.addLocal({
      id: 'me:2',
      ts: 't2',
      ops: [{ op: 'replace', path: ['settings', 'theme'], value: 'dark' }],
    })
    expect(model.pendingPaths).toEqual(['/settings/theme', '/todos/items'])
    model.drop('me:1')
    expect(model.pendingPaths).toEqual(['/settings/theme'])
  })

  it('keeps the same list of pending paths while the set of paths does not change', () => {
    const model = start()
    const write = (n: number) => ({
      id: `me:${n}`,
      ts: `t${n}`,
      ops: [{ op: 'replace' as const, path: ['settings', 'theme'], value: `v${n}` }],
    })
    model.addLocal(write(1))
    const list = model.pendingPaths
    model.addLocal(write(2))
    model.drop('me:1')
    expect(model.pendingPaths).toBe(list)
    model.drop('me:2')
    expect(model.pendingPaths).toEqual([])
  })
  it('moves the view by the relay change’s own ops when nothing is pending', () => {
    const model = start()
    const change = relay(2, 'peer:1', [{ op: 'add', path: ['todos', 'items', '-'], value: 'b' }])
    model.offer(change)
    const { steps } = model.drain()
    expect(steps).toEqual([{ change, ops: change.ops }])
    // B and B + P are two states written in place (openState.ts), equal while nothing is pending.
    expect(model.shown).toEqual(model.base)
    expect(model.shown).toEqual({ todos: { items: ['a', 'b'] }, settings: { theme: 'light' } })
  })

  it('diffs a relay change that writes above the synced paths down to them', () => {
    const model = start()
    const change = relay(2, 'peer:1', [
      { op: 'replace', path: ['settings'], value: { theme: 'dark', lang: 'fr' } },
    ])
    model.offer(change)
    const { steps } = model.drain()
    expect(steps[0]!.ops).toEqual([{ op: 'replace', path: ['settings', 'theme'], value: 'dark' }])
  })
})
