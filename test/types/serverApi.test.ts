import { describe, expectTypeOf, it } from 'vitest'
import {
  createRelay,
  type RelayAdmission,
  type RoomFeedItem,
  type RoomState,
  serveRoomSnapshot,
} from '../../server/index'
import type { PushResult, RelayChange } from '../../src/protocol'

describe('server-side API types', () => {
  it('read, write and admit resolve the documented shapes', () => {
    const relay = createRelay()
    expectTypeOf(relay.read('r')).resolves.toEqualTypeOf<RoomState>()
    expectTypeOf(relay.write('r', [], { origin: 'job' })).resolves.toEqualTypeOf<PushResult>()
    expectTypeOf(relay.admit).returns.resolves.toEqualTypeOf<RelayAdmission>()
    expectTypeOf(serveRoomSnapshot).returns.resolves.toEqualTypeOf<boolean>()
    void relay.close()
  })

  it('a feed item narrows on its type to a change or a snapshot', () => {
    const item = {} as RoomFeedItem
    if (item.type === 'change') expectTypeOf(item).toMatchTypeOf<RelayChange>()
    else expectTypeOf(item.state).toEqualTypeOf<Record<string, unknown>>()
  })

  it('write needs an origin', () => {
    expectTypeOf<Parameters<ReturnType<typeof createRelay>['write']>[2]>().toEqualTypeOf<{
      origin: string
      at?: number
    }>()
  })
})
