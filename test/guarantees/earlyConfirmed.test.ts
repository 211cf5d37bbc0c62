import { afterEach, describe, expect, it } from 'vitest'
import { confirmed } from '../../middleware/sync/guarantees/confirmed'
import { applyPatch } from '../../src/actions'
import { todos } from '../sync/helpers'
import { roomLog } from '../sync/kiosks'
import { type GatedRelay, startGatedRelay } from './helpers'

let relay: GatedRelay | undefined
afterEach(async () => {
  await relay?.stop()
  relay = undefined
})

describe('confirmed writes made before sync started', () => {
  it('a confirmed write dispatched before the start resolves with its own change only', async () => {
    const r = await startGatedRelay()
    relay = r
    const { store } = r.client({ room: 'k' })
    // Both run before sync has chosen its identity: each becomes a change of its own at the start.
    store.dispatch(
      applyPatch({
        changes: [
          {
            source: 'devtools',
            ops: [{ op: 'add', path: ['todos', 'items', '-'], value: 'tool' }],
          },
          { source: 'local', ops: [{ op: 'add', path: ['todos', 'items', '-'], value: 'other' }] },
        ],
      }),
    )
    const result = await store.dispatch(confirmed(todos.actions.added('mine')))
    const log = await roomLog(r, 'k')
    expect(result.changes).toHaveLength(1)
    const own = log.find((c) => c.seq === result.changes[0]!.seq)
    expect(own?.id).toBe(result.changes[0]!.id)
    expect(own?.ops).toEqual([{ op: 'add', path: ['todos', 'items', '-'], value: 'mine' }])
    expect(result.seq).toBe(own?.seq)
  })
})
