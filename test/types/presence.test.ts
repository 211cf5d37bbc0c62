import { describe, expectTypeOf, it } from 'vitest'
import {
  type PatchwireStatusState,
  type PresencePeer,
  type PresenceStatus,
  selectPresence,
  setPresence,
} from '../../src/index'
import { usePresence } from '../../src/react/index'

describe('presence types', () => {
  it('setPresence takes any value and an optional room, under the patchwire prefix', () => {
    expectTypeOf(setPresence).parameter(0).toEqualTypeOf<unknown>()
    expectTypeOf(setPresence).parameter(1).toEqualTypeOf<{ room?: string } | undefined>()
    expectTypeOf(setPresence('x').type).toEqualTypeOf<'patchwire/setPresence'>()
  })

  it('the selector and the hook return the room’s entries by connection id', () => {
    expectTypeOf(selectPresence).returns.toEqualTypeOf<Record<string, PresencePeer>>()
    expectTypeOf(usePresence).returns.toEqualTypeOf<Record<string, PresencePeer>>()
    expectTypeOf<PatchwireStatusState['presence']>().toEqualTypeOf<Record<string, PresenceStatus>>()
  })
})
