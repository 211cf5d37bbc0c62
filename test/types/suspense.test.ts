import { describe, expectTypeOf, it } from 'vitest'
import {
  isPatchwireError,
  type PatchwireErrorDetails,
  type PersistStatus,
  type RejectReason,
  type SyncStatus,
} from '../../src/index'
import { useHydratedSuspense, useRoomSuspense } from '../../src/react/index'

describe('Suspense types', () => {
  it('the Suspense hooks take a room or nothing and return nothing', () => {
    expectTypeOf(useHydratedSuspense).parameters.toEqualTypeOf<[]>()
    expectTypeOf(useRoomSuspense).parameters.toEqualTypeOf<[room: string]>()
    expectTypeOf(useRoomSuspense).returns.toEqualTypeOf<void>()
  })

  it('a refused join narrows to its room and a refusal reason from the shared list', () => {
    expectTypeOf<PatchwireErrorDetails['join_refused']>().toEqualTypeOf<{
      room: string
      reason: RejectReason
    }>()
    const error: unknown = undefined
    if (isPatchwireError(error, 'join_refused')) {
      expectTypeOf(error.details.reason).toEqualTypeOf<RejectReason>()
    }
  })

  it('the status slice carries the join refusal and the load error as plain data', () => {
    expectTypeOf<NonNullable<SyncStatus['joinRefusal']>>().toEqualTypeOf<{
      reason: RejectReason
      message: string
    }>()
    expectTypeOf<
      NonNullable<PersistStatus['loadError']>['name']
    >().toEqualTypeOf<'PatchwireError'>()
  })
})
