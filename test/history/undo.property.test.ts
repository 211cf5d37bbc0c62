import { isDeepStrictEqual } from 'node:util'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { board, manualClock } from './helpers'
import { watchLastWriters } from './lastWriters'
import { startHistoryRelay } from './syncClients'

const RUNS = Number(process.env.PATCHWIRE_PROPERTY_RUNS ?? 12)
const SEED = Number(process.env.PATCHWIRE_PROPERTY_SEED ?? 20261201)
const CLIENTS = 3

const client = fc.integer({ min: 0, max: CLIENTS - 1 })
const card = fc.constantFrom('a', 'b', 'c')
const command = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), client, card }),
  fc.record({ kind: fc.constant('done' as const), client, card }),
  fc.record({ kind: fc.constant('remove' as const), client, card }),
  fc.record({ kind: fc.constant('undo' as const), client }),
  fc.record({ kind: fc.constant('redo' as const), client }),
  fc.record({ kind: fc.constant('undoRedo' as const), client }),
  fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 15 }) }),
  fc.record({ kind: fc.constant('offline' as const), client }),
  fc.record({
    kind: fc.constant('later' as const),
    client,
    ms: fc.integer({ min: 0, max: 1_000 }),
  }),
)

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

let run = 0

describe('undo and redo of own changes under concurrent edits', () => {
  it('undo never replaces another client’s write, undo then redo restores the step, and every client converges with the relay, with clients going offline and back', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 5, maxLength: 40 }), async (commands) => {
        const room = `history:prop:${run++}`
        const relay = await startHistoryRelay(room)
        try {
          const clocks = Array.from({ length: CLIENTS }, () => manualClock())
          const watchers = clocks.map((_, i) => watchLastWriters(`c${i}`))
          const clients = []
          for (let i = 0; i < CLIENTS; i++)
            clients.push(await relay.client(`c${i}`, clocks[i]!.now, [watchers[i]!.middleware]))
          let n = 0
          for (const cmd of commands) {
            if (cmd.kind === 'wait') {
              await sleep(cmd.ms)
              continue
            }
            const c = clients[cmd.client]!
            const clock = clocks[cmd.client]!
            if (cmd.kind === 'later') clock.advance(cmd.ms)
            else if (cmd.kind === 'set')
              c.store.dispatch(
                board.actions.cardSet({ id: cmd.card, title: `c${cmd.client}:${n++}` }),
              )
            else if (cmd.kind === 'done') c.store.dispatch(board.actions.cardDone(cmd.card))
            else if (cmd.kind === 'remove') c.store.dispatch(board.actions.cardRemoved(cmd.card))
            else if (cmd.kind === 'undo') c.undo()
            else if (cmd.kind === 'redo') c.redo()
            else {
              // Nothing arrives between the two dispatches, so redo must give back exactly what undo took.
              const before = c.store.getState().board
              const undone = c.undo()
              if (undone.applied.length > 0) {
                c.redo()
                expect(c.store.getState().board).toEqual(before)
              }
            }
          }
          const state = await relay.converged()
          for (const c of clients)
            expect(isDeepStrictEqual(c.store.getState().board, state.board)).toBe(true)
          expect(watchers.flatMap((w) => w.violations)).toEqual([])
        } finally {
          await relay.stop()
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    )
  }, 600_000)
})
