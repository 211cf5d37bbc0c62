import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Registry } from 'prom-client'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { createRelay } from '../../server/createRelay'
import type { RelayOptions } from '../../server/relay/types'
import { sqliteStore } from '../../server/store/sqliteStore'
import { REJECT_REASONS } from '../../src/protocol'
import { ask, collectChanges, startRelay, ts, until } from './helpers'
import { scrapeMetrics } from './scrapeMetrics'

type Started = Awaited<ReturnType<typeof startRelay>>
let running: Started[] = []
const start = async (options: RelayOptions = {}) => {
  const r = await startRelay({ metrics: true, ...options })
  running.push(r)
  return r
}
afterEach(async () => {
  await Promise.all(running.map((r) => r.stop()))
  running = []
})
const dir = mkdtempSync(join(tmpdir(), 'patchwire-metrics-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const T0 = Date.now()
const set = (path: string, value: unknown) => [{ op: 'add' as const, path: [path], value }]

describe('relay metrics on GET /metrics', () => {
  it('counts joins, pushes and the pushed changes accepted and refused by reason', async () => {
    const { connect, url } = await start()
    const a = await connect()
    const b = await connect()
    const before = await scrapeMetrics(url)
    await ask(a, 'join', { room: 'r', clientId: 'a', schemaVersion: 1 })
    await ask(b, 'join', { room: 'r', clientId: 'b', schemaVersion: 1 })
    await ask(a, 'push', {
      room: 'r',
      changes: [
        { id: 'a:1', ts: ts(T0 + 10, 'a'), ops: set('x', 1) },
        { id: 'a:2', ts: ts(T0 + 11, 'a'), ops: set('y', 2) },
      ],
    })
    await ask(b, 'push', {
      room: 'r',
      changes: [
        { id: 'b:1', ts: ts(T0, 'b'), ops: set('x', 3) },
        { id: 'a:9', ts: ts(T0 + 12, 'b'), ops: set('z', 4) },
      ],
    })
    const after = await scrapeMetrics(url)
    const moved = (name: string, labels?: Record<string, string>) =>
      after.value(name, labels) - before.value(name, labels)
    expect(moved('patchwire_relay_joins_total')).toBe(2)
    expect(moved('patchwire_relay_pushes_total')).toBe(2)
    expect(moved('patchwire_relay_changes_accepted_total')).toBe(2)
    expect(moved('patchwire_relay_changes_refused_total', { reason: 'stale' })).toBe(1)
    expect(moved('patchwire_relay_changes_refused_total', { reason: 'bad_request' })).toBe(1)
    expect(moved('patchwire_relay_changes_refused_total', { reason: 'schema' })).toBe(0)
  })

  it('labels refused changes and requests with every shared refusal reason from the first scrape', async () => {
    const { url } = await start()
    const scrape = await scrapeMetrics(url)
    for (const reason of REJECT_REASONS) {
      expect(scrape.value('patchwire_relay_changes_refused_total', { reason })).toBe(0)
      for (const request of ['join', 'catchUp', 'push']) {
        expect(scrape.value('patchwire_relay_requests_refused_total', { request, reason })).toBe(0)
      }
    }
    expect(scrape.type('patchwire_relay_changes_refused_total')).toBe('counter')
  })

  it('counts requests refused as a whole by request and reason', async () => {
    const { connect, url } = await start({ schemaVersion: '2.0' })
    const a = await connect()
    await ask(a, 'join', { room: 'r', clientId: 'a', schemaVersion: 1 })
    await ask(a, 'push', { room: 'r', changes: [{ id: 'a:1', ts: ts(T0, 'a'), ops: set('x', 1) }] })
    await ask(a, 'catchUp', { room: 'r', since: 0 })
    const scrape = await scrapeMetrics(url)
    expect(
      scrape.value('patchwire_relay_requests_refused_total', { request: 'join', reason: 'skew' }),
    ).toBe(1)
    expect(
      scrape.value('patchwire_relay_requests_refused_total', {
        request: 'push',
        reason: 'bad_request',
      }),
    ).toBe(1)
    expect(
      scrape.value('patchwire_relay_requests_refused_total', {
        request: 'catchUp',
        reason: 'bad_request',
      }),
    ).toBe(1)
    expect(scrape.value('patchwire_relay_joins_total')).toBe(0)
    expect(scrape.value('patchwire_relay_pushes_total')).toBe(0)
  })

  it('counts catch-ups and the snapshots served to joins and catch-ups', async () => {
    const { connect, url } = await start({ limits: { maxCatchUp: 2 } })
    const a = await connect()
    await ask(a, 'join', { room: 'r', clientId: 'a', schemaVersion: 1 })
    await ask(a, 'push', {
      room: 'r',
      changes: [1, 2, 3].map((n) => ({ id: `a:${n}`, ts: ts(T0 + n, 'a'), ops: set(`k${n}`, n) })),
    })
    const changes = await ask(a, 'catchUp', { room: 'r', since: 2 })
    const snapshot = await ask(a, 'catchUp', { room: 'r', since: 0 })
    expect(changes).toMatchObject({ ok: true, changes: [{ seq: 3 }] })
    expect(snapshot).toHaveProperty('snapshot')
    const scrape = await scrapeMetrics(url)
    expect(scrape.value('patchwire_relay_catchups_total')).toBe(2)
    expect(scrape.value('patchwire_relay_snapshots_served_total', { request: 'join' })).toBe(1)
    expect(scrape.value('patchwire_relay_snapshots_served_total', { request: 'catchUp' })).toBe(1)
  })

  it('reports the sockets connected and the rooms held as gauges read when scraped', async () => {
    const { connect, url } = await start()
    const a = await connect()
    const b = await connect()
    await ask(a, 'join', { room: 'r1', clientId: 'a', schemaVersion: 1 })
    await ask(b, 'join', { room: 'r2', clientId: 'b', schemaVersion: 1 })
    const scrape = await scrapeMetrics(url)
    expect(scrape.type('patchwire_relay_sockets')).toBe('gauge')
    expect(scrape.value('patchwire_relay_sockets')).toBe(2)
    expect(scrape.value('patchwire_relay_rooms')).toBe(2)
    expect(scrape.value('patchwire_relay_presence_entries')).toBe(0)
    b.disconnect()
    await until(() => running[0]!.relay.counts().sockets === 1)
    expect((await scrapeMetrics(url)).value('patchwire_relay_sockets')).toBe(1)
  })

  it('counts the presence entries this node holds', async () => {
    const { connect, url } = await start()
    const a = await connect()
    const b = await connect()
    await ask(a, 'join', { room: 'r', clientId: 'a', schemaVersion: 1 })
    await ask(b, 'join', { room: 'r', clientId: 'b', schemaVersion: 1 })
    await ask(a, 'presence:set', { room: 'r', value: { typing: true } })
    await ask(b, 'presence:set', { room: 'r', value: { typing: false } })
    expect((await scrapeMetrics(url)).value('patchwire_relay_presence_entries')).toBe(2)
    b.disconnect()
    await until(() => running[0]!.relay.counts().presenceEntries === 1)
    expect((await scrapeMetrics(url)).value('patchwire_relay_presence_entries')).toBe(1)
  })

  it('counts broadcast changes and the bytes of their JSON', async () => {
    const { connect, url } = await start()
    const a = await connect()
    await ask(a, 'join', { room: 'r', clientId: 'a', schemaVersion: 1 })
    const seen = collectChanges(a)
    await ask(a, 'push', {
      room: 'r',
      changes: [
        { id: 'a:1', ts: ts(T0, 'a'), ops: set('x', 'héllo') },
        { id: 'a:2', ts: ts(T0 + 1, 'a'), ops: set('y', [1, 2, 3]) },
      ],
    })
    await until(() => seen.length === 2)
    const scrape = await scrapeMetrics(url)
    expect(scrape.value('patchwire_relay_broadcasts_total')).toBe(2)
    expect(scrape.value('patchwire_relay_broadcast_bytes_total')).toBe(
      seen.reduce((n, c) => n + Buffer.byteLength(JSON.stringify(c)), 0),
    )
  })

  it('records the latency of SQLite appends, log reads and snapshot reads as histograms', async () => {
    const { connect, url } = await start({ store: sqliteStore({ file: join(dir, 'latency.db') }) })
    const before = await scrapeMetrics(url)
    for (const operation of ['append', 'since', 'snapshot']) {
      expect(before.value('patchwire_relay_store_operation_seconds_count', { operation })).toBe(0)
    }
    const a = await connect()
    await ask(a, 'join', { room: 'r', clientId: 'a', schemaVersion: 1 })
    await ask(a, 'push', { room: 'r', changes: [{ id: 'a:1', ts: ts(T0, 'a'), ops: set('x', 1) }] })
    const after = await scrapeMetrics(url)
    expect(after.type('patchwire_relay_store_operation_seconds')).toBe('histogram')
    for (const operation of ['append', 'since', 'snapshot']) {
      const count = after.value('patchwire_relay_store_operation_seconds_count', { operation })
      expect(count).toBeGreaterThan(0)
      expect(
        after.value('patchwire_relay_store_operation_seconds_bucket', { operation, le: '+Inf' }),
      ).toBe(count)
    }
    expect(
      after.value('patchwire_relay_store_operation_seconds_count', { operation: 'append' }),
    ).toBe(1)
  })

  it('keeps the metrics of two relays in one process apart', async () => {
    const one = await start()
    const two = await start()
    const a = await one.connect()
    await ask(a, 'join', { room: 'r', clientId: 'a', schemaVersion: 1 })
    expect((await scrapeMetrics(one.url)).value('patchwire_relay_joins_total')).toBe(1)
    expect((await scrapeMetrics(two.url)).value('patchwire_relay_joins_total')).toBe(0)
  })

  it('adds its metrics to a prom-client Registry passed as the metrics option', async () => {
    const registry = new Registry()
    const { connect, relay } = await start({ metrics: registry })
    const a = await connect()
    await ask(a, 'join', { room: 'r', clientId: 'a', schemaVersion: 1 })
    expect(relay.metrics?.registry).toBe(registry)
    expect(await registry.metrics()).toMatch(/^patchwire_relay_joins_total 1$/m)
  })

  it('answers 404 on /metrics when metrics are off', async () => {
    const { url, relay } = await start({ metrics: false })
    expect(relay.metrics).toBeUndefined()
    expect((await fetch(`${url}/metrics`)).status).toBe(404)
  })

  it('refuses a metrics option that is neither a boolean nor a registry, naming the option', () => {
    expect(() => createRelay({ metrics: 'on' as unknown as boolean })).toThrow(
      /metrics must be true, false or a prom-client Registry, received string "on"/,
    )
  })
})
