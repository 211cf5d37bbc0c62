import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { io as connectClient } from 'socket.io-client'
import { afterAll, describe, expect, it } from 'vitest'
import { parseRelayArgs } from '../../server/cli/parseRelayArgs'
import { trackRelayProcesses } from './cliProcess'
import { ask, type ClientSocket, ts } from './helpers'
import { scrapeMetrics } from './scrapeMetrics'

const dir = mkdtempSync(join(tmpdir(), 'patchwire-cli-metrics-'))
const { start, sockets } = trackRelayProcesses<ClientSocket>()
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const connect = (url: string): Promise<ClientSocket> => {
  const socket: ClientSocket = connectClient(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  })
  sockets.push(socket)
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket))
    socket.once('connect_error', reject)
  })
}

describe('patchwire relay metrics and health', () => {
  it('serves the Prometheus metrics of real client traffic on GET /metrics by default', async () => {
    const p = await start(['--port', '0', '--db', join(dir, 'metrics.db')])
    const a = await connect(p.url)
    await ask(a, 'join', { room: 'r', clientId: 'a', schemaVersion: 1 })
    const now = Date.now()
    await ask(a, 'push', {
      room: 'r',
      changes: [
        { id: 'a:1', ts: ts(now + 1, 'a'), ops: [{ op: 'add', path: ['x'], value: 1 }] },
        { id: 'a:2', ts: ts(now, 'a'), ops: [{ op: 'add', path: ['x'], value: 2 }] },
      ],
    })
    const scrape = await scrapeMetrics(p.url)
    expect(scrape.value('patchwire_relay_sockets')).toBe(1)
    expect(scrape.value('patchwire_relay_joins_total')).toBe(1)
    expect(scrape.value('patchwire_relay_pushes_total')).toBe(1)
    expect(scrape.value('patchwire_relay_changes_accepted_total')).toBe(1)
    expect(scrape.value('patchwire_relay_changes_refused_total', { reason: 'stale' })).toBe(1)
    expect(
      scrape.value('patchwire_relay_store_operation_seconds_count', { operation: 'append' }),
    ).toBe(1)
  })

  it('leaves GET /metrics unanswered (404) with --no-metrics', async () => {
    const p = await start(['--port', '0', '--memory', '--no-metrics'])
    expect((await fetch(`${p.url}/metrics`)).status).toBe(404)
    expect((await fetch(`${p.url}/healthz`)).status).toBe(200)
  })

  it('reports a reachable SQLite store as ok on GET /healthz', async () => {
    const p = await start(['--port', '0', '--db', join(dir, 'health.db')])
    const res = await fetch(`${p.url}/healthz`)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ ok: true, store: 'ok' })
  })

  it('answers /healthz 503 with store unreachable once its SQLite file was removed', async () => {
    const file = join(dir, 'removed', 'relay.db')
    const p = await start(['--port', '0', '--db', file])
    expect((await fetch(`${p.url}/healthz`)).status).toBe(200)
    rmSync(join(dir, 'removed'), { recursive: true })
    const res = await fetch(`${p.url}/healthz`)
    expect(res.status).toBe(503)
    expect(await res.json()).toMatchObject({ ok: false, store: 'unreachable' })
  })

  it('parseRelayArgs turns metrics on unless --no-metrics is passed', () => {
    expect(parseRelayArgs([], {}).metrics).toBe(true)
    expect(parseRelayArgs(['--no-metrics'], {}).metrics).toBe(false)
  })
})
