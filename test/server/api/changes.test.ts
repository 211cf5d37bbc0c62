import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { RoomFeedItem } from '../../../server/api/types'
import type { RelayOptions } from '../../../server/relay/types'
import { sqliteStore } from '../../../server/store/sqliteStore'
import { applyOps } from '../../../src/applyOps'
import { ask, startRelay, ts, until } from '../helpers'

const T0 = Date.now()
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'patchwire-feed-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return join(dir, 'relay.db')
}

async function start(options: RelayOptions = {}) {
  const r = await startRelay(options)
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    await r.stop()
  }
  cleanups.push(stop)
  return { ...r, stop }
}

/** Pulls items from a feed in the background until `abort`. */
function collect(feed: AsyncIterable<RoomFeedItem>) {
  const items: RoomFeedItem[] = []
  const done = (async () => {
    for await (const item of feed) items.push(item)
  })()
  return { items, done }
}

const adds = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({
    id: `a:${from + i + 1}`,
    ts: ts(T0 + from + i, 'a'),
    ops: [{ op: 'add' as const, path: ['k', `n${from + i}`], value: from + i }],
  }))

describe('relay.changes', () => {
  it('yields the log after since, then live changes from sockets and server writes, in order', async () => {
    const { relay, connect } = await start()
    const a = await connect()
    await ask(a, 'join', { room: 'r', clientId: 'a', schemaVersion: 1 })
    await ask(a, 'push', {
      room: 'r',
      changes: [{ id: 'a:0', ts: ts(T0 - 1, 'a'), ops: [{ op: 'add', path: ['k'], value: {} }] }],
    })
    await ask(a, 'push', { room: 'r', changes: adds(3) })
    const stop = new AbortController()
    const feed = collect(relay.changes({ room: 'r', since: 2, signal: stop.signal }))
    await until(() => feed.items.length === 2)
    await ask(a, 'push', { room: 'r', changes: adds(2, 3) })
    const written = await relay.write('r', [{ op: 'add', path: ['k', 'server'], value: true }], {
      origin: 'job',
    })
    await until(() => feed.items.length === 5)
    stop.abort()
    await feed.done
    expect(feed.items.map((i) => i.seq)).toEqual([3, 4, 5, 6, 7])
    expect(feed.items.map((i) => i.type === 'change' && i.id)).toEqual([
      'a:2',
      'a:3',
      'a:4',
      'a:5',
      written.id,
    ])
    expect(feed.items[4]).toMatchObject({
      type: 'change',
      origin: 'server:job',
      ops: [{ path: ['k', 'server'] }],
    })
  })

  it('resumes after the last sequence a consumer handled when the relay restarted on the same SQLite file', async () => {
    const file = tempFile()
    const first = await start({ store: sqliteStore({ file }) })
    await first.relay.write('r', [{ op: 'add', path: ['k'], value: {} }], { origin: 'job' })
    for (let i = 0; i < 4; i++) {
      await first.relay.write('r', [{ op: 'add', path: ['k', `n${i}`], value: i }], {
        origin: 'job',
      })
    }
    let handled = 0
    for await (const item of first.relay.changes({ room: 'r', since: 0 })) {
      handled = item.seq
      if (handled === 3) break
    }
    await first.stop()

    const second = await start({ store: sqliteStore({ file }) })
    const stop = new AbortController()
    const feed = collect(second.relay.changes({ room: 'r', since: handled, signal: stop.signal }))
    const socket = await second.connect()
    await ask(socket, 'join', { room: 'r', clientId: 'a', schemaVersion: 1 })
    await ask(socket, 'push', {
      room: 'r',
      changes: adds(1, 10).map((c) => ({ ...c, ts: ts(Date.now(), 'a') })),
    })
    await until(() => feed.items.length === 3)
    stop.abort()
    await feed.done
    expect(feed.items.map((i) => i.seq)).toEqual([4, 5, 6])
    expect(feed.items.map((i) => i.type === 'change' && i.origin)).toEqual([
      'server:job',
      'server:job',
      'a',
    ])
  })

  it('starts with the room state when compaction removed changes after since', async () => {
    const { relay } = await start({ compactEvery: 3, keepTail: 1 })
    await relay.write('r', [{ op: 'add', path: ['k'], value: {} }], { origin: 'job' })
    for (let i = 0; i < 6; i++) {
      await relay.write('r', [{ op: 'add', path: ['k', `n${i}`], value: i }], { origin: 'job' })
    }
    const { seq, state } = await relay.read('r')
    const items: RoomFeedItem[] = []
    for await (const item of relay.changes({ room: 'r', since: 0 })) {
      items.push(item)
      if (item.seq === seq) break
    }
    expect(items[0]).toMatchObject({ type: 'snapshot', room: 'r' })
    const last = items.at(-1)!
    expect(last.seq).toBe(seq)
    // Applying the items in order rebuilds the room.
    let mirror: Record<string, unknown> = {}
    for (const item of items) {
      mirror = item.type === 'snapshot' ? item.state : applyOps(mirror, item.ops)
    }
    expect(mirror).toEqual(state)
  })
})

describe('relay.changes defaults and misuse', () => {
  it('without since, follows only the changes accepted after it started', async () => {
    const { relay } = await start()
    await relay.write('r', [{ op: 'add', path: ['a'], value: 1 }], { origin: 'job' })
    const stop = new AbortController()
    const feed = relay.changes({ room: 'r', signal: stop.signal })
    let first: IteratorResult<RoomFeedItem> | undefined
    void feed.next().then((r) => {
      first = r
    })
    // Where "now" falls among these writes is up to the scheduler: keep writing until the feed yields.
    for (let n = 0; first === undefined; n++) {
      await relay.write('r', [{ op: 'add', path: [`b${n}`], value: n }], { origin: 'job' })
    }
    expect(first.value).toMatchObject({ type: 'change' })
    expect((first.value as RoomFeedItem).seq).toBeGreaterThan(1)
    stop.abort()
  })

  it('throws at the call, naming the option, for a since that is not a sequence', async () => {
    const { relay } = await start()
    expect(() => relay.changes({ room: 'r', since: -1 })).toThrow(/since/)
    expect(() => relay.changes({ room: '' })).toThrow(/room/)
  })
})

describe('relay.changes when the relay closes', () => {
  it('a feed waiting for changes ends when the relay closes, with nothing logged', async () => {
    const logged: unknown[] = []
    const { relay, stop } = await start({ log: (e) => logged.push(e) })
    await relay.write('r', [{ op: 'add', path: ['x'], value: 1 }], { origin: 'job' })
    const feed = collect(relay.changes({ room: 'r', since: 0, pollMs: 60_000 }))
    await until(() => feed.items.length === 1)
    await stop()
    await feed.done
    expect(feed.items.map((i) => i.seq)).toEqual([1])
    expect(logged.filter((e) => (e as { level: string }).level !== 'debug')).toEqual([
      expect.objectContaining({ msg: 'relay closed' }),
    ])
  })
})

describe('relay.onChange', () => {
  it('receives every accepted change of every room in sequence order with its seq', async () => {
    const { relay, connect } = await start()
    const seen: RoomFeedItem[] = []
    const off = relay.onChange((item) => {
      seen.push(item)
    })
    cleanups.push(off)
    const a = await connect()
    await ask(a, 'join', { room: 'r', clientId: 'a', schemaVersion: 1 })
    await ask(a, 'push', {
      room: 'r',
      changes: [{ id: 'a:0', ts: ts(T0 - 1, 'a'), ops: [{ op: 'add', path: ['k'], value: {} }] }],
    })
    const pushes = ask(a, 'push', { room: 'r', changes: adds(5) })
    const writes = [0, 1, 2].map((i) =>
      relay.write('other', [{ op: 'add', path: [`w${i}`], value: i }], { origin: 'job' }),
    )
    await Promise.all([pushes, ...writes])
    await until(() => seen.length === 9)
    const ofRoom = (room: string) => seen.filter((c) => c.room === room).map((c) => c.seq)
    expect(ofRoom('r')).toEqual([1, 2, 3, 4, 5, 6])
    expect(ofRoom('other')).toEqual([1, 2, 3])
  })

  it('narrowed to a room, calls the listener with that room only and waits for its promise', async () => {
    const { relay } = await start()
    const seen: number[] = []
    let inside = 0
    let overlapped = false
    cleanups.push(
      relay.onChange(
        async (item) => {
          inside++
          if (inside > 1) overlapped = true
          await new Promise((r) => setTimeout(r, 5))
          seen.push(item.seq)
          inside--
        },
        { room: 'r' },
      ),
    )
    for (let i = 0; i < 4; i++) {
      await relay.write('r', [{ op: 'add', path: [`x${i}`], value: i }], { origin: 'job' })
      await relay.write('elsewhere', [{ op: 'add', path: [`x${i}`], value: i }], { origin: 'job' })
    }
    await until(() => seen.length === 4)
    expect(seen).toEqual([1, 2, 3, 4])
    expect(overlapped).toBe(false)
  })
})
