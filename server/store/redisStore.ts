import type { Cluster, Redis } from 'ioredis'
import { PatchwireError } from '../../src/errors'
import type { PatchOp } from '../../src/types'
import type { RedisClient } from './redisClient'
import { scanEveryMaster } from './redisCluster'
import {
  openRedis,
  type RedisConnection,
  type RedisConnectionState,
  readyGate,
  toStoreError,
} from './redisConnection'
import { roomTag } from './redisRoomTag'
import {
  ADD_VERSION_SCRIPT,
  APPEND_SCRIPT,
  COMPACT_SCRIPT,
  FENCED_APPEND_SCRIPT,
  SINCE_SCRIPT,
  WRITE_SNAPSHOT_SCRIPT,
} from './redisScripts'
import {
  type AppendResult,
  parseChangeId,
  type RelayStore,
  type RoomSnapshot,
  type RoomVersion,
  type RoomVersionInfo,
  type StoredChange,
} from './types'

export interface RedisStoreOptions {
  /**
   * Prefix of every key the store writes, so several apps can share one Redis.
   * @defaultValue 'patchwire:'
   */
  prefix?: string
  /**
   * How long an operation waits for a (re)connection before it fails with a
   * retryable `unavailable` error.
   * @defaultValue 1000
   */
  readyTimeoutMs?: number
  /**
   * How long a command waits for Redis's reply before it fails with a
   * retryable `unavailable` error, on a client the store builds (a client
   * passed in keeps its own `commandTimeout`). Covers a Redis that is
   * connected but silent: cut off by a partition, frozen. A command that
   * timed out may still have run; a re-pushed change is then found in the
   * log and acknowledged with its first sequence, never appended twice.
   * @defaultValue 5000
   */
  commandTimeoutMs?: number
  /** Told when the connection to Redis is up (first connect and every reconnect) and when it goes down; ioredis reconnects by itself. */
  onConnectionChange?: (state: RedisConnectionState, error?: Error) => void
}

/** A `RelayStore` on Redis, plus the client it talks through (for the Socket.IO adapter and health). */
export interface RedisRelayStore extends RelayStore {
  /** The ioredis client; `duplicate()` it for pub/sub rather than subscribing on it. */
  readonly client: RedisClient
  /** The prefix of every key the store writes (room leases live under it too, see `redisLeases`). */
  readonly prefix: string
  /**
   * Group commit: appends consecutive changes all or none, under the same
   * condition as `append`, in one Lua call (one round trip, one AOF write).
   * With `fence`, the same script first checks that the room's lease carries
   * that token and refuses with `fenced` otherwise.
   */
  appendMany(
    room: string,
    expectedSeq: number,
    changes: StoredChange[],
    fence?: number,
  ): Promise<AppendResult>
}

type ScriptReply = [number, number, number?]
type StreamEntry = [string, string[]]

interface ScriptedCommands {
  pwAppend(...args: (string | number)[]): Promise<ScriptReply>
  pwAppendFenced(...args: (string | number)[]): Promise<ScriptReply>
  pwSince(...args: (string | number)[]): Promise<StreamEntry[] | null>
  pwWriteSnapshot(...args: (string | number)[]): Promise<number>
  pwCompact(...args: (string | number)[]): Promise<number>
  pwAddVersion(...args: (string | number)[]): Promise<number>
}

type ScriptedRedis = (Redis | Cluster) & ScriptedCommands

function defineScripts(client: Redis | Cluster): ScriptedRedis {
  // Guard against defining twice on a client shared by several stores.
  if (!('pwAppend' in client)) {
    client.defineCommand('pwAppend', { numberOfKeys: 4, lua: APPEND_SCRIPT })
    client.defineCommand('pwAppendFenced', { numberOfKeys: 5, lua: FENCED_APPEND_SCRIPT })
    client.defineCommand('pwSince', { numberOfKeys: 2, lua: SINCE_SCRIPT })
    client.defineCommand('pwWriteSnapshot', { numberOfKeys: 1, lua: WRITE_SNAPSHOT_SCRIPT })
    client.defineCommand('pwCompact', { numberOfKeys: 5, lua: COMPACT_SCRIPT })
    client.defineCommand('pwAddVersion', { numberOfKeys: 3, lua: ADD_VERSION_SCRIPT })
  }
  return client as ScriptedRedis
}

function decodeEntry([streamId, fields]: StreamEntry): StoredChange {
  let body = ''
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === 'c') body = fields[i + 1] ?? ''
  const parsed = JSON.parse(body) as {
    id: string
    origin: string
    ts: string
    ops: PatchOp[]
    digest?: string
  }
  const change: StoredChange = {
    seq: Number(streamId.slice(0, streamId.indexOf('-'))),
    id: parsed.id,
    origin: parsed.origin,
    ts: parsed.ts,
    ops: parsed.ops,
  }
  if (typeof parsed.digest === 'string') change.digest = parsed.digest
  return change
}

/**
 * A `RelayStore` in Redis, for several relay nodes sharing rooms. Each room is
 * a Stream whose entry ids are the sequences (`<seq>-0`), a head counter, an
 * id → sequence map and a snapshot hash, under one hash tag per room. Appends
 * run as a Lua script that checks the head and writes in one step, so two
 * nodes appending to one room at once still produce one gap-free order: the
 * loser gets `{ ok: false, head }` and catches up.
 *
 * While Redis is unreachable every operation fails fast with a retryable
 * `PatchwireError('transport', …, { reason: 'unavailable' })`; ioredis keeps
 * reconnecting in the background and the store works again once Redis is back.
 * An acknowledged change is as durable as Redis makes it: run Redis with
 * `appendonly yes` and `appendfsync always` for durable-before-ack.
 *
 * @example
 * ```ts
 * // A relay node: createRelay({ redis }) opens this store and the fan-out itself.
 * const relay = createRelay({ redis: 'redis://127.0.0.1:6379' })
 * // Code that only reads or writes the rooms' log:
 * const store = redisStore('redis://127.0.0.1:6379')
 * ```
 */
export function redisStore(
  connection: RedisConnection,
  options: RedisStoreOptions = {},
): RedisRelayStore {
  const prefix = options.prefix ?? 'patchwire:'
  const readyTimeoutMs = options.readyTimeoutMs ?? 1_000
  const commandTimeoutMs = options.commandTimeoutMs ?? 5_000
  if (typeof commandTimeoutMs !== 'number' || !(commandTimeoutMs > 0)) {
    throw new PatchwireError(
      'option',
      `redisStore's commandTimeoutMs must be a positive number of milliseconds, received ${String(commandTimeoutMs)}.`,
      { option: 'commandTimeoutMs', received: String(commandTimeoutMs) },
    )
  }
  const { client, owned } = openRedis(connection, { commandTimeoutMs })
  const redis = defineScripts(client)
  const whenReady = readyGate(client, readyTimeoutMs)
  let closed = false
  let up = client.status === 'ready'

  // Without an 'error' listener ioredis prints every failed reconnect; the
  // state change is reported once through onConnectionChange instead.
  const onError = (err: Error) => {
    if (up) {
      up = false
      options.onConnectionChange?.('down', err)
    }
  }
  const onClose = () => {
    if (up && !closed) {
      up = false
      options.onConnectionChange?.('down')
    }
  }
  const onReady = () => {
    if (!up) {
      up = true
      options.onConnectionChange?.('up')
    }
  }
  client.on('error', onError)
  client.on('close', onClose)
  client.on('ready', onReady)

  const keys = (room: string) => {
    const tag = roomTag(prefix, room)
    return {
      head: `${tag}:head`,
      log: `${tag}:log`,
      ids: `${tag}:ids`,
      last: `${tag}:last`,
      gone: `${tag}:gone`,
      owners: `${tag}:owners`,
      floor: `${tag}:floor`,
      snap: `${tag}:snap`,
      lease: `${tag}:lease`,
      versions: `${tag}:versions`,
      versionMeta: `${tag}:versions:meta`,
      versionState: `${tag}:versions:state`,
    }
  }

  const appendMany = (
    room: string,
    expectedSeq: number,
    changes: StoredChange[],
    fence?: number,
  ): Promise<AppendResult> => {
    changes.forEach((c, i) => {
      if (c.seq !== expectedSeq + 1 + i) {
        throw new PatchwireError(
          'option',
          `append needs consecutive sequences from ${expectedSeq + 1}, received ${c.seq} at position ${i}.`,
          { option: 'change.seq', received: String(c.seq) },
        )
      }
    })
    if (changes.length === 0) return Promise.resolve({ ok: true })
    return run(async () => {
      const k = keys(room)
      const args: (string | number)[] = [expectedSeq, changes.length]
      for (const c of changes) {
        const parsed = parseChangeId(c.id)
        const body = { id: c.id, origin: c.origin, ts: c.ts, ops: c.ops }
        args.push(
          c.id,
          parsed?.client ?? '',
          parsed?.counter ?? 0,
          c.digest ?? '',
          JSON.stringify(c.digest === undefined ? body : { ...body, digest: c.digest }),
        )
      }
      const [status, seqOrHead, head] =
        fence === undefined
          ? await redis.pwAppend(k.head, k.log, k.ids, k.last, ...args)
          : await redis.pwAppendFenced(k.head, k.log, k.ids, k.last, k.lease, ...args, fence)
      if (status === 1) return { ok: true }
      if (status === 3) return { ok: false, head: seqOrHead, fenced: true }
      // A duplicate id (re-sent to another node meanwhile) is reported like
      // a lost race: the relay catches up, finds the id applied and acks it
      // with its original sequence instead of appending it twice.
      return { ok: false, head: status === 2 ? (head ?? seqOrHead) : seqOrHead }
    })
  }

  const run = async <T>(op: () => Promise<T>): Promise<T> => {
    if (closed) throw new PatchwireError('transport', 'The store is closed.', { reason: 'closed' })
    try {
      await whenReady()
      return await op()
    } catch (err) {
      throw toStoreError(err)
    }
  }

  return {
    client,
    head: (room) => run(async () => Number((await redis.get(keys(room).head)) ?? 0)),

    prefix,
    append: (room, expectedSeq, change, fence) => appendMany(room, expectedSeq, [change], fence),
    appendMany,

    since: (room, after, limit) =>
      run(async () => {
        const k = keys(room)
        const entries = await redis.pwSince(k.floor, k.log, after, limit ?? 0)
        if (entries === null) return null
        return entries.map(decodeEntry)
      }),

    readSnapshot: (room) =>
      run(async () => {
        const snap = await redis.hgetall(keys(room).snap)
        if (snap.seq === undefined || snap.state === undefined || snap.clocks === undefined) {
          return undefined
        }
        return {
          seq: Number(snap.seq),
          state: JSON.parse(snap.state),
          clocks: JSON.parse(snap.clocks),
        } satisfies RoomSnapshot
      }),

    writeSnapshot: (room, snapshot) =>
      run(async () => {
        await redis.pwWriteSnapshot(
          keys(room).snap,
          snapshot.seq,
          JSON.stringify(snapshot.state),
          JSON.stringify(snapshot.clocks),
        )
      }),

    compact: (room, through) =>
      run(async () => {
        const k = keys(room)
        await redis.pwCompact(k.floor, k.log, k.ids, k.head, k.gone, through)
      }),

    applied: (room, id) =>
      run(async () => {
        const k = keys(room)
        const parsed = parseChangeId(id)
        const [known, gone] = await Promise.all([
          redis.hget(k.ids, id),
          parsed ? redis.hget(k.gone, parsed.client) : null,
        ])
        if (known !== null) {
          const [seq, digest] = known.split(' ')
          return digest === undefined ? { seq: Number(seq) } : { seq: Number(seq), digest }
        }
        // Compaction removed the id itself: at or below the greatest compacted
        // counter of its client, it was applied or refused, which is no longer known.
        if (!parsed || gone === null || parsed.counter > Number(gone)) return undefined
        return { compacted: true as const }
      }),

    clientCounter: (room, client) =>
      run(async () => {
        const last = await redis.hget(keys(room).last, client)
        return last === null ? 0 : Number(last.split(':')[0])
      }),

    clientOwner: (room, client) =>
      run(async () => (await redis.hget(keys(room).owners, client)) ?? undefined),

    claimClient: (room, client, principal) =>
      run(async () => {
        const k = keys(room)
        // HSETNX never replaces: the first principal keeps the id, the read tells who that is.
        if ((await redis.hsetnx(k.owners, client, principal)) === 1) return principal
        return (await redis.hget(k.owners, client)) ?? principal
      }),

    addVersion: (room, { state, ...info }, keep) =>
      run(async () => {
        const k = keys(room)
        await redis.pwAddVersion(
          k.versions,
          k.versionMeta,
          k.versionState,
          info.id,
          JSON.stringify(info),
          JSON.stringify(state),
          keep,
        )
      }),

    versions: (room) =>
      run(async () => {
        const k = keys(room)
        const [ids, meta] = await Promise.all([
          redis.lrange(k.versions, 0, -1),
          redis.hgetall(k.versionMeta),
        ])
        return ids.flatMap((id) => {
          const m = meta[id]
          return m === undefined ? [] : [JSON.parse(m) as RoomVersionInfo]
        })
      }),

    readVersion: (room, id) =>
      run(async (): Promise<RoomVersion | undefined> => {
        const k = keys(room)
        const [meta, state] = await Promise.all([
          redis.hget(k.versionMeta, id),
          redis.hget(k.versionState, id),
        ])
        if (meta === null || state === null) return undefined
        return { ...(JSON.parse(meta) as RoomVersionInfo), state: JSON.parse(state) }
      }),

    rooms: () =>
      run(async () => {
        const found = new Set<string>()
        for (const key of await scanEveryMaster(client, `${prefix}{*}:*`)) {
          const open = key.indexOf('{', prefix.length - 1)
          const close = key.indexOf('}', open)
          if (open >= 0 && close > open) found.add(decodeURIComponent(key.slice(open + 1, close)))
        }
        return [...found]
      }),

    ping: async () => {
      if (closed) return false
      try {
        await whenReady()
        return (await client.ping()) === 'PONG'
      } catch {
        return false
      }
    },

    close: async () => {
      if (closed) return
      closed = true
      client.off('error', onError)
      client.off('close', onClose)
      client.off('ready', onReady)
      if (owned) {
        // ioredis may still report an error after the close: a ready check it
        // deferred while Redis was loading its data runs on a timer the close
        // does not cancel, and with no listener it is printed as unhandled.
        client.on('error', () => {})
        // quit() flushes pending replies; disconnect() when Redis is gone anyway.
        if (client.status === 'ready') await client.quit().catch(() => client.disconnect())
        else client.disconnect()
      }
    },
  }
}
