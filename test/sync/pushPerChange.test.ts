import { afterEach, describe, expect, it } from 'vitest'
import { applyPatch } from '../../src/actions'
import type { ChangeSource } from '../../src/types'
import { eventually, live, startRelay } from './helpers'

let relay: Awaited<ReturnType<typeof startRelay>> | undefined
afterEach(async () => {
  await relay?.stop()
  relay = undefined
})

const set = (source: ChangeSource, key: 'theme' | 'lang', value: string) => ({
  source,
  ops: [{ op: 'replace' as const, path: ['settings', key], value }],
})

/** Two live clients of `room`; the pushes `a` makes are recorded. */
async function pair(room: string) {
  relay = await startRelay()
  const a = relay.client({ room })
  const b = relay.client({ room })
  await live(a.store, room)
  await live(b.store, room)
  const pushed: { ops: unknown[] }[] = []
  a.socket.onAnyOutgoing((event, payload) => {
    if (event === 'push') pushed.push(...(payload as { changes: { ops: unknown[] }[] }).changes)
  })
  return { r: relay, a, b, pushed }
}

describe('what a batch pushes is decided per change', () => {
  it('a local change batched with a stream change is pushed and the stream change is not', async () => {
    const { r, a, b, pushed } = await pair('pc1')
    a.store.dispatch(
      applyPatch({ changes: [set('local', 'theme', 'dark'), set('stream', 'lang', 'streamed')] }),
    )
    expect(a.store.getState().settings).toMatchObject({ theme: 'dark', lang: 'streamed' })
    await eventually(() => expect(b.store.getState().settings.theme).toBe('dark'))
    await eventually(() => expect(a.store.getState().patchwire.sync.pc1?.pending).toBe(0))
    expect(pushed.map((c) => c.ops)).toEqual([
      [{ op: 'add', path: ['settings', 'theme'], value: 'dark' }],
    ])
    expect(b.store.getState().settings.lang).toBe('en')
    expect((await r.roomState('pc1')).settings).toMatchObject({ theme: 'dark', lang: 'en' })
  })

  it('a devtools change batched with persist and sync changes is pushed on its own', async () => {
    const { r, a, b, pushed } = await pair('pc2')
    a.store.dispatch(
      applyPatch({
        changes: [
          set('persist', 'lang', 'restored'),
          set('devtools', 'theme', 'from devtools'),
          set('sync', 'lang', 'echo'),
        ],
      }),
    )
    await eventually(() => expect(b.store.getState().settings.theme).toBe('from devtools'))
    await eventually(() => expect(a.store.getState().patchwire.sync.pc2?.pending).toBe(0))
    expect(pushed.map((c) => c.ops)).toEqual([
      [{ op: 'add', path: ['settings', 'theme'], value: 'from devtools' }],
    ])
    expect((await r.roomState('pc2')).settings).toMatchObject({ lang: 'en' })
  })

  it('two local changes in one batch around a stream change are pushed as two changes', async () => {
    const { r, a, b, pushed } = await pair('pc3')
    a.store.dispatch(
      applyPatch({
        changes: [
          set('local', 'theme', 'first'),
          set('stream', 'lang', 'streamed'),
          set('local', 'theme', 'second'),
        ],
      }),
    )
    await eventually(() => expect(b.store.getState().settings.theme).toBe('second'))
    await eventually(() => expect(a.store.getState().patchwire.sync.pc3?.pending).toBe(0))
    expect(pushed.map((c) => c.ops)).toEqual([
      [{ op: 'add', path: ['settings', 'theme'], value: 'first' }],
      [{ op: 'add', path: ['settings', 'theme'], value: 'second' }],
    ])
    expect((await r.roomState('pc3')).settings).toMatchObject({ theme: 'second', lang: 'en' })
  })

  it('a local change the sink refuses is not pushed while the rest of its batch is', async () => {
    const { a, b, pushed } = await pair('pc4')
    a.store.dispatch(
      applyPatch({
        changes: [
          { source: 'local', ops: [{ op: 'replace', path: ['settings', 'nope', 'x'], value: 1 }] },
          set('stream', 'lang', 'streamed'),
          set('local', 'theme', 'kept'),
        ],
      }),
    )
    await eventually(() => expect(b.store.getState().settings.theme).toBe('kept'))
    await eventually(() => expect(a.store.getState().patchwire.sync.pc4?.pending).toBe(0))
    expect(pushed.map((c) => c.ops)).toEqual([
      [{ op: 'add', path: ['settings', 'theme'], value: 'kept' }],
    ])
  })
})
