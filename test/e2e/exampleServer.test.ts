import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createExampleServer, type ExampleServer, ticksToReplay } from '../../examples/server/index'
import { METRICS_WINDOW } from '../../examples/shared/schemas'

let root: string
let dir: string
let server: ExampleServer
let port: number

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'patchwire-examples-'))
  dir = join(root, 'dist')
  mkdirSync(join(dir, 'chat'), { recursive: true })
  writeFileSync(join(dir, 'index.html'), '<h1>index</h1>')
  writeFileSync(join(dir, 'chat', 'index.html'), '<h1>chat</h1>')
  writeFileSync(join(root, 'outside.txt'), 'secret')
  // A fixed clock: tick 1000 at 100 ms per tick.
  server = createExampleServer({ staticDir: dir, metrics: { intervalMs: 100, now: () => 100_050 } })
  port = await server.listen(0)
})

afterAll(async () => {
  await server.close()
  rmSync(root, { recursive: true, force: true })
})

// A raw request, so paths reach the server exactly as written (fetch would normalise "..").
function get(path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          body += chunk
          // The metrics feed never ends: stop after the replay has arrived.
          if (res.headers['content-type']?.includes('event-stream') && body.includes('\n\n')) {
            setTimeout(() => res.destroy(), 50)
          }
        })
        res.on('close', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      })
      req.on('error', reject)
      req.end()
    },
  )
}

const ids = (body: string) => [...body.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))

describe('the example server', () => {
  it('serves a built page and its directory index', async () => {
    expect((await get('/chat/')).body).toBe('<h1>chat</h1>')
    expect((await get('/')).body).toBe('<h1>index</h1>')
  })

  it('redirects a directory without its trailing slash, keeping the query', async () => {
    const res = await get('/chat?room=dev')
    expect(res.status).toBe(301)
    expect(res.headers.location).toBe('/chat/?room=dev')
  })

  it('never serves a file outside its directory', async () => {
    expect((await get('/../outside.txt')).status).toBe(404)
    expect((await get('/%2e%2e/outside.txt')).status).toBe(404)
  })

  it('answers /healthz with the relay health', async () => {
    expect(JSON.parse((await get('/healthz')).body)).toMatchObject({ ok: true, store: true })
  })

  it('streams the last window of metrics to a new client, each with its tick as id', async () => {
    const res = await get('/examples/metrics')
    expect(res.headers['content-type']).toContain('text/event-stream')
    const got = ids(res.body)
    expect(got[0]).toBe(1000 - METRICS_WINDOW + 1)
    expect(got.at(-1)).toBe(1000)
  })

  it('resumes after Last-Event-ID with only the ticks the client missed', async () => {
    expect(ids((await get('/examples/metrics', { 'last-event-id': '995' })).body)).toEqual([
      996, 997, 998, 999, 1000,
    ])
  })

  it('replays at most one window however far behind the cursor is', () => {
    expect(ticksToReplay(3, 500)).toHaveLength(METRICS_WINDOW)
    expect(ticksToReplay(500, 500)).toEqual([])
  })
})
