import { afterEach, describe, expect, it } from 'vitest'
import { eventually, live, settings, startRelay } from './helpers'

let relay: Awaited<ReturnType<typeof startRelay>> | undefined
afterEach(async () => {
  await relay?.stop()
  relay = undefined
})

describe('a client’s own changes', () => {
  it('are confirmed from the push answers and never sent back as change events', async () => {
    relay = await startRelay()
    const settled = (store: typeof a.store) =>
      eventually(() => expect(store.getState().patchwire.sync.own1?.pending).toBe(0))
    const a = relay.client({ room: 'own1' })
    await live(a.store, 'own1')
    await settled(a.store)
    const b = relay.client({ room: 'own1' })
    await live(b.store, 'own1')
    await settled(b.store)
    const received: string[] = []
    a.socket.onAny((event, payload) => {
      if (event === 'change') received.push((payload as { id: string }).id)
      if (event === 'changes')
        for (const c of (payload as { changes: { id: string }[] }).changes) received.push(c.id)
    })
    const pushedByB: string[] = []
    b.socket.onAnyOutgoing((event, payload) => {
      if (event === 'push')
        for (const c of (payload as { changes: { id: string }[] }).changes) pushedByB.push(c.id)
    })
    for (let i = 0; i < 20; i++)
      a.store.dispatch(settings.actions.fieldSet({ key: `k${i}`, value: i }))
    await settled(a.store)
    await eventually(() => expect(Object.keys(b.store.getState().settings.fields)).toHaveLength(20))
    b.store.dispatch(settings.actions.themeSet('dark'))
    await eventually(() => expect(a.store.getState().settings.theme).toBe('dark'))
    // Only b's change reached a: its own twenty came back in the answers.
    expect(received).toEqual(pushedByB)
    expect(pushedByB).toHaveLength(1)
    await eventually(() =>
      expect(a.store.getState().patchwire.sync.own1?.lastSeq).toBe(
        b.store.getState().patchwire.sync.own1?.lastSeq,
      ),
    )
  })
})
