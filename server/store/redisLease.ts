import type { Redis } from 'ioredis'
import { readyGate, toStoreError } from './redisConnection'
import { roomTag } from './redisRoomTag'
import type { RedisRelayStore } from './redisStore'

/**
 * Takes the room's lease when it is free (a new fencing token from the room's
 * counter), extends it when `node` already holds it: what a node asks both
 * to take a room and to renew it, so a lease that ran out while nobody else
 * took it is taken again (under a new token) at the next renewal.
 *
 * KEYS: lease, fence
 * ARGV: node, ttl ms
 *
 * The lease holds `<token> <node>`. Returns `{1, token, node}` when `node`
 * holds it now, `{0, token, holder}` when another node does.
 */
const ACQUIRE_SCRIPT = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local token, node = string.match(cur, '^(%d+) (.*)$')
  if node == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return {1, tonumber(token), node}
  end
  return {0, tonumber(token), node}
end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], token .. ' ' .. ARGV[1], 'PX', ARGV[2])
return {1, token, ARGV[1]}
`

/**
 * Gives the lease up, only while it still holds this token and node.
 *
 * KEYS: lease
 * ARGV: token, node
 */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] .. ' ' .. ARGV[2] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`

/** Who holds a room's lease, under which fencing token. */
export interface RoomLease {
  /** The fencing token: every holder gets a greater one than the last. */
  token: number
  /** The relay node holding it. */
  node: string
  /** Whether the node that asked holds it. */
  mine: boolean
}

/** A room's lease: the right to append to it, checked by the store's fenced append. */
export interface RoomLeases {
  /** Takes the lease when free, extends it when `node` holds it; tells who holds it. */
  acquire(room: string, node: string, ttlMs: number): Promise<RoomLease>
  /** Gives up the lease `node` holds under `token`, so another node takes the room at once. */
  release(room: string, node: string, token: number): Promise<boolean>
  /** The node holding the room's lease now, `undefined` when nobody does; takes nothing. */
  holder(room: string): Promise<string | undefined>
  /** Closes the leases' connection. */
  close(): Promise<void>
}

interface LeaseRedis extends Redis {
  pwLeaseAcquire(...args: (string | number)[]): Promise<[number, number, string]>
  pwLeaseRelease(...args: (string | number)[]): Promise<number>
}

function defineScripts(client: Redis): LeaseRedis {
  if (!('pwLeaseAcquire' in client)) {
    client.defineCommand('pwLeaseAcquire', { numberOfKeys: 2, lua: ACQUIRE_SCRIPT })
    client.defineCommand('pwLeaseRelease', { numberOfKeys: 1, lua: RELEASE_SCRIPT })
  }
  return client as LeaseRedis
}

/**
 * Room leases in the Redis store's keyspace: `lease` (`<token> <node>`, with
 * a TTL) and `fence` (the token counter) sit under the room's hash tag beside
 * its log, so the store's fenced append checks the lease in the same script
 * and slot. The counter never goes back, so a token is never handed out twice.
 * Redis being unreachable fails a call with the store's retryable
 * `unavailable` error.
 *
 * The leases talk over a connection of their own (a duplicate of the
 * store's): under load the store's connection holds a queue of appends and
 * reads, and a renewal waiting behind it could let a busy owner's leases run
 * out although the owner is alive; Redis serves each connection in turn, so a
 * renewal on its own connection is answered in one command's time.
 *
 * @example
 * ```ts
 * const leases = redisLeases(store)
 * const lease = await leases.acquire('todos:1', nodeId, 3_000)
 * if (lease.mine) await store.appendMany('todos:1', head, changes, lease.token)
 * ```
 */
export function redisLeases(store: RedisRelayStore, readyTimeoutMs = 1_000): RoomLeases {
  // The store made this client with ioredis; its public type is structural only.
  const redis = defineScripts((store.client as unknown as Redis).duplicate())
  // Reconnection is reported by the store; this one only needs a listener so ioredis stays quiet.
  redis.on('error', () => {})
  const whenReady = readyGate(redis, readyTimeoutMs)
  const keys = (room: string) => {
    const tag = roomTag(store.prefix, room)
    return { lease: `${tag}:lease`, fence: `${tag}:fence` }
  }
  const run = async <T>(op: () => Promise<T>): Promise<T> => {
    try {
      await whenReady()
      return await op()
    } catch (err) {
      throw toStoreError(err)
    }
  }
  return {
    acquire: (room, node, ttlMs) =>
      run(async () => {
        const k = keys(room)
        const [mine, token, holder] = await redis.pwLeaseAcquire(k.lease, k.fence, node, ttlMs)
        return { token, node: holder, mine: mine === 1 }
      }),
    release: (room, node, token) =>
      run(async () => (await redis.pwLeaseRelease(keys(room).lease, token, node)) === 1),
    holder: (room) =>
      run(async () => {
        const lease = await redis.get(keys(room).lease)
        return lease === null ? undefined : /^\d+ (.*)$/.exec(lease)?.[1]
      }),
    close: async () => {
      if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect())
      else redis.disconnect()
    },
  }
}
