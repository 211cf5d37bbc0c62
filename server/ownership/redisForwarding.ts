import type { Cluster, Redis } from 'ioredis'
import { messageOf } from '../../src/errors'
import { isPushResult } from '../../src/protocolGuards'
import type { ForwardAnswer, ForwardedPush, PushForwarding } from '../relay/roomOwnership'
import type { RedisRelayStore } from '../store/redisStore'
import { nodeChannels } from './nodeChannels'

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
  /**
   * The node holding a room's lease now, asked when a publish on a cluster
   * counted nobody (which proves nothing there): a push to a node the lease
   * no longer names is answered `not_owner` at once, so the sender looks the
   * owner up again; one to the holder waits for its answer or the timeout.
   */
  leaseHolder?: (room: string) => Promise<string | undefined>
}

/**
 * Forwarded pushes over Redis pub/sub: each relay node subscribes to a
 * channel of its own; a push is published to the owner's channel and
 * answered on the sender's. Publishing says how many subscribers got the
 * message, so on one server a push to a node that is gone (its connection
 * closed when it died) is answered `unreachable` at once instead of after the
 * timeout. On a cluster the channels are sharded, yet a count of 0 can come
 * from a replica a stale slot map sent the publish to (see `nodeChannels`),
 * so there it is checked against the room's lease instead of believed.
 * Publishing goes through the store's fail-fast connection; the subscriber is
 * a duplicate that queues while offline and resubscribes by itself.
 */
export function redisForwarding(
  store: RedisRelayStore,
  options: RedisForwardingOptions,
): PushForwarding {
  const channels = nodeChannels(store.client as unknown as Redis | Cluster)
  const channelOf = (node: string) => `${options.channel}${node}`
  const waiting = new Map<number, (answer: ForwardAnswer) => void>()
  let self: string | undefined
  let handle: ((push: ForwardedPush) => Promise<ForwardAnswer>) | undefined
  let nextId = 1

  const answer = async (m: Extract<Message, { t: 'push' }>): Promise<void> => {
    const reply = handle ? await handle(m.push) : ({ kind: 'not_owner' } as const)
    // A lost answer times out at the sender, which tells its client to push again.
    await channels
      .publish(channelOf(m.from), JSON.stringify({ t: 'answer', id: m.id, answer: reply }))
      .catch(() => {})
  }

  channels.onMessage((text) => {
    const m = parseMessage(text)
    if (m?.t === 'push') void answer(m)
    else if (m?.t === 'answer') waiting.get(m.id)?.(m.answer)
  })

  return {
    listen: async (node, handler) => {
      self = node
      handle = handler
      await channels.subscribe(channelOf(node))
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
        channels.publish(channelOf(node), JSON.stringify({ t: 'push', id, from: self, push })).then(
          (receivers) => {
            if (receivers > 0) return
            if (channels.zeroMeansNobody) {
              done({ kind: 'unreachable', message: `relay node ${node} is gone` })
              return
            }
            // A node that gave the room up (closed, idle) is not waited for; a holder
            // that died is, until the timeout, as its lease lasts about as long.
            options.leaseHolder?.(push.room).then(
              (holder) => {
                if (holder !== node) done({ kind: 'not_owner' })
              },
              () => {},
            )
          },
          (err: unknown) => done({ kind: 'unreachable', message: messageOf(err) }),
        )
      }),
    close: async () => {
      handle = undefined
      for (const done of [...waiting.values()]) {
        done({ kind: 'unreachable', message: 'this relay node is shutting down' })
      }
      await channels.close()
    },
  }
}
