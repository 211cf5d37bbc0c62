import { describe, expectTypeOf, it } from 'vitest'
import {
  type PollFetch,
  type PollHalt,
  type PollPage,
  type PollPhase,
  type PollStatus,
  type RejectReason,
  type StreamErrorInfo,
  type StreamOptions,
  type StreamStatus,
  stream,
} from '../../src/index'

describe('poll types', () => {
  it('a poll fetch takes the cursor and a signal and answers a page or a halt', () => {
    expectTypeOf<Parameters<PollFetch>>().toEqualTypeOf<
      [cursor: string | null, context: { signal: AbortSignal }]
    >()
    expectTypeOf<Awaited<ReturnType<PollFetch>>>().toEqualTypeOf<PollPage | PollHalt>()
    expectTypeOf<PollHalt['halt']>().toEqualTypeOf<RejectReason>()
  })

  it('stream takes poll as one of its sources', () => {
    expectTypeOf<StreamOptions['poll']>().toMatchTypeOf<{ fetch?: PollFetch } | undefined>()
    // @ts-expect-error a halt reason outside the shared refusal reasons is refused
    stream({ id: 'p', poll: { fetch: () => ({ halt: 'tired' }) } })
  })

  it('the stream status carries the poll phase, and a halting error its reason', () => {
    expectTypeOf<StreamStatus['poll']>().toEqualTypeOf<PollStatus | undefined>()
    expectTypeOf<PollStatus['phase']>().toEqualTypeOf<PollPhase>()
    expectTypeOf<PollPhase>().toEqualTypeOf<
      'idle' | 'bootstrapping' | 'streaming' | 'retrying' | 'halted'
    >()
    expectTypeOf<StreamErrorInfo['haltReason']>().toEqualTypeOf<RejectReason | undefined>()
  })
})
