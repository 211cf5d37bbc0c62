import { describe, expectTypeOf, it } from 'vitest'
import type {
  PatchRejectedPayload,
  PatchwireErrorCode,
  RejectionReason,
  RejectReason,
} from '../../src/index'

describe('the refusal reasons', () => {
  it('let every relay reason through patchRejected', () => {
    expectTypeOf<RejectReason>().toMatchTypeOf<PatchRejectedPayload['reason']>()
  })

  it('let the client reasons and the codes the sink reports through', () => {
    expectTypeOf<'timeout' | 'offline' | 'parse'>().toMatchTypeOf<RejectionReason>()
    expectTypeOf<PatchwireErrorCode>().toMatchTypeOf<RejectionReason>()
  })

  it('are a closed list, so a reason outside it does not compile', () => {
    expectTypeOf<'made_up_reason'>().not.toMatchTypeOf<RejectionReason>()
  })
})
