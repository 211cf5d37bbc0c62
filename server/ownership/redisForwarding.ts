import type { Redis } from 'ioredis'
import { messageOf } from '../../src/errors'
import { isPushResult } from '../../src/protocolGuards'
import type { ForwardAnswer, ForwardedPush, PushForwarding } from '../relay/roomOwnership'
import type { RedisRelayStore } from '../store/redisStore'

/** A forwarded push on the wire, or its answer, both JSON on the addressee's channel. */
type Message =
  | { t: 'push'; id: number; from: string; push: ForwardedPush }
  | { t: 'answer'; id: number; answer: ForwardAnswer }

function parseMessage(text: string): Message | undefined {
  let m: Partial<{ t: unknown; id: unknown; from: unknown; push: unknown; answer: unknown }>
  try {
    m = JSON.parse(text) as typeof m
  } catch {
    return undefined
  }
  if (typeof m !== 'object' || m === null || typeof m.id !== 'number') return undefined
  if (m.t === 'push' && typeof m.from === 'string') {
    const p = m.push as Partial<ForwardedPush> | null
    if (typeof p?.room !== 'string' || typeof p.origin !== 'string' || !Array.isArray(p.changes)) {
      return undefined
    }
    return { t: 'push', id: m.id, from: m.from, push: p as ForwardedPush }
  }
  if (m.t !== 'answer') return undefined
  const a = m.answer as { kind?: unknown; results?: unknown; message?: unknown } | null
  // Another node's verdicts are checked as a client checks the relay's.
  if (a?.kind === 'verdicts' && Array.isArray(a.results) && a.results.every(isPushResult)) {
    return { t: 'answer', id: m.id, answer: { kind: 'verdicts', results: a.results } }
  }
  if (a?.kind === 'not_owner') return { t: 'answer', id: m.id, answer: { kind: 'not_owner' } }
  return undefined
}

export interface RedisForwardingOptions {
  /** Prefix of the channel each node listens on (`<channel><node>`). */
  channel: string
  /** How long a forwarded push waits for the owner's answer. */
  timeoutMs: number
}

/**
 * Forwarded pushes over Redis pub/sub: each relay node subscribes to a
 * channel of its own; a push is published to the owner's channel and
 * answered on the sender's. `PUBLISH` says how many subscribers got the
 * message, so a push to a node that is gone (its connection closed when it
 * died) is answered `unreachable` at once instead of after the timeout.
 * Publishing goes through the store's fail-fast connection; the subscriber is
 * a duplicate that queues while offline and resubscribes by itself.
 */
export function redisForwarding(
  store: RedisRelayStore,
  options: RedisForwardingOptions,
): PushForwarding {
  const pub = store.client as unknown as Redis
  const sub = pub.duplicate({
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
    retryStrategy: (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 5), 1_000),
  })
  // Connection losses are reported by the store; this one only needs a listener so ioredis stays quiet.
  sub.on('error', () => {})
  const channelOf = (node: string) => `${options.channel}${node}`
  const waiting = new Map<number, (answer: ForwardAnswer) => void>()
  let self: string | undefined
  let handle: ((push: ForwardedPush) => Promise<ForwardAnswer>) | undefined
  let nextId = 1

  const answer = async (m: Extract<Message, { t: 'push' }>): Promise<void> => {
    const reply = handle ? await handle(m.push) : ({ kind: 'not_owner' } as const)
    // A lost answer times out at the sender, which tells its client to push again.
    await pub
      .publish(channelOf(m.from), JSON.stringify({ t: 'answer', id: m.id, answer: reply }))
      .catch(() => {})
  }

  sub.on('message', (_channel: string, text: string) => {
    const m = parseMessage(text)
    if (m?.t === 'push') void answer(m)
    else if (m?.t === 'answer') waiting.get(m.id)?.(m.answer)
  })

  return {
    listen: async (node, handler) => {
      self = node
      handle = handler
      await sub.subscribe(channelOf(node))
    },
    send: (node, push) =>
      new Promise<ForwardAnswer>((resolve) => {
        const id = nextId++
        const done = (a: ForwardAnswer) => {
          clearTimeout(timer)
          waiting.delete(id)
          resolve(a)
        }
        const timer = setTimeout(
          () =>
            done({
              kind: 'unreachable',
              message: `relay node ${node} did not answer within ${options.timeoutMs} ms`,
            }),
          options.timeoutMs,
        )
        waiting.set(id, done)
        pub.publish(channelOf(node), JSON.stringify({ t: 'push', id, from: self, push })).then(
          (receivers) => {
            if (receivers === 0)
              done({ kind: 'unreachable', message: `relay node ${node} is gone` })
          },
          (err: unknown) => done({ kind: 'unreachable', message: messageOf(err) }),
        )
      }),
    close: async () => {
      handle = undefined
      for (const done of [...waiting.values()]) {
        done({ kind: 'unreachable', message: 'this relay node is shutting down' })
      }
      if (sub.status === 'ready') await sub.quit().catch(() => sub.disconnect())
      else sub.disconnect()
    },
  }
}
