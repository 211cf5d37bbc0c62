import { afterEach, describe, expect, it } from 'vitest'
import { board } from './helpers'
import { startHistoryRelay } from './syncClients'

let relay: Awaited<ReturnType<typeof startHistoryRelay>> | undefined

afterEach(async () => {
  await relay?.stop()
  relay = undefined
})

describe('undo under sync', () => {
  it("undo removes this client's card and keeps the other client's", async () => {
    relay = await startHistoryRelay('board:1')
    const a = await relay.client('alice')
    const b = await relay.client('bob')
    a.store.dispatch(board.actions.cardSet({ id: 'a', title: 'milk' }))
    b.store.dispatch(board.actions.cardSet({ id: 'b', title: 'eggs' }))
    await relay.converged()
    a.undo()
    const room = await relay.converged()
    expect(room.board).toEqual({ cards: { b: { title: 'eggs', done: false } }, tags: [] })
  })

  it('undo skips a path the other client wrote since, and reports it', async () => {
    relay = await startHistoryRelay('board:2')
    const a = await relay.client('alice')
    const b = await relay.client('bob')
    a.store.dispatch(board.actions.cardSet({ id: 'a', title: 'milk' }))
    await relay.converged()
    b.store.dispatch(board.actions.cardSet({ id: 'a', title: 'oat milk' }))
    await relay.converged()
    const result = a.undo()
    expect(result.skipped).toEqual([['board', 'cards', 'a']])
    expect(a.store.getState().patchwire.history?.skipped).toBe(1)
    const room = await relay.converged()
    expect(room.board).toEqual({ cards: { a: { title: 'oat milk', done: false } }, tags: [] })
  })

  it('the other client sees the undo as a sync change and can undo its own step after it', async () => {
    relay = await startHistoryRelay('board:3')
    const a = await relay.client('alice')
    const b = await relay.client('bob')
    a.store.dispatch(board.actions.cardSet({ id: 'a', title: 'milk' }))
    await relay.converged()
    b.store.dispatch(board.actions.cardDone('a'))
    await relay.converged()
    // Alice's step created the card; Bob wrote inside it since, so it stays.
    expect(a.undo().skipped).toEqual([['board', 'cards', 'a']])
    expect(b.undo().applied).toEqual([['board', 'cards', 'a', 'done']])
    const room = await relay.converged()
    expect(room.board).toEqual({ cards: { a: { title: 'milk', done: false } }, tags: [] })
  })

  it('undo then redo restores the paths on every client', async () => {
    relay = await startHistoryRelay('board:4')
    const a = await relay.client('alice')
    const b = await relay.client('bob')
    b.store.dispatch(board.actions.cardSet({ id: 'b', title: 'eggs' }))
    await relay.converged()
    a.store.dispatch(board.actions.cardSet({ id: 'b', title: 'brown eggs' }))
    await relay.converged()
    a.undo()
    expect((await relay.converged()).board).toMatchObject({ cards: { b: { title: 'eggs' } } })
    a.redo()
    expect((await relay.converged()).board).toMatchObject({ cards: { b: { title: 'brown eggs' } } })
  })

  it('redo skips a path the other client wrote after the undo', async () => {
    relay = await startHistoryRelay('board:5')
    const a = await relay.client('alice')
    const b = await relay.client('bob')
    a.store.dispatch(board.actions.cardSet({ id: 'a', title: 'milk' }))
    await relay.converged()
    a.undo()
    await relay.converged()
    b.store.dispatch(board.actions.cardSet({ id: 'a', title: 'bread' }))
    await relay.converged()
    expect(a.redo().skipped).toEqual([['board', 'cards', 'a']])
    expect((await relay.converged()).board).toEqual({
      cards: { a: { title: 'bread', done: false } },
      tags: [],
    })
  })

  it('an undo made offline goes out with the outbox when the client is back', async () => {
    relay = await startHistoryRelay('board:6')
    const a = await relay.client('alice')
    const b = await relay.client('bob')
    a.store.dispatch(board.actions.cardSet({ id: 'a', title: 'milk' }))
    await relay.converged()
    a.socket.disconnect()
    a.undo()
    expect(a.store.getState().board.cards).toEqual({})
    expect(b.store.getState().board.cards).toEqual({ a: { title: 'milk', done: false } })
    a.socket.connect()
    const room = await relay.converged()
    expect(room.board).toEqual({ cards: {}, tags: [] })
  })
})
