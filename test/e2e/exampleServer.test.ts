import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createExampleServer, type ExampleServer, ticksToReplay } from '../../examples/server/index'
import { METRICS_WINDOW } from '../../examples/shared/schemas'
import { ensureExamplesBuilt } from './harness'

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
    expect(JSON.parse((await get('/healthz')).body)).toMatchObject({ ok: true, store: 'ok' })
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

// `npm start`, as npm runs it: `sh -c '<the start script> <args>'` with node_modules/.bin on PATH.
const START_SCRIPT = (
  JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }
).scripts.start
const LISTENING = /^patchwire examples listening on (http:\/\/\S+)$/m

interface Started {
  child: ChildProcess
  url: string
  stdout: () => string
  exited: Promise<number | string>
}

const started: ChildProcess[] = []

function startExamples(command: string, args: string[]): Promise<Started> {
  // Its own process group, so cleanup can reach whatever the command left behind.
  const child = spawn(command, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PATH: `${process.cwd()}/node_modules/.bin:${process.env.PATH}` },
  })
  started.push(child)
  let out = ''
  let err = ''
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  )
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d) => {
      out += String(d)
      const url = LISTENING.exec(out)?.[1]
      if (url) resolve({ child, url, stdout: () => out, exited })
    })
    child.stderr?.on('data', (d) => {
      err += String(d)
    })
    void exited.then((code) => reject(new Error(`exited (${code}) before listening: ${out}${err}`)))
  })
}

/** True when nothing listens on `port` any more: this test can bind it itself. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.once('error', () => resolve(false))
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)))
  })
}

describe('npm start', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    // Built once under the harness's lock, so the script serves rather than builds.
    await ensureExamplesBuilt()
  }, 120_000)

  afterEach(() => {
    for (const child of started.splice(0)) {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL')
      } catch {
        // The group is gone already.
      }
    }
  })

  it('prints one listening line with the URL it serves', async () => {
    const run = await startExamples('sh', ['-c', `${START_SCRIPT} --port 0 --memory`])
    const health = await fetch(new URL('/healthz', run.url))
    expect(await health.json()).toMatchObject({ ok: true })
    expect(run.stdout().match(/listening/g)).toHaveLength(1)
  })

  it('serves the server-rendered page with the room rendered into it', async () => {
    const run = await startExamples('sh', ['-c', `${START_SCRIPT} --port 0 --memory`])
    const page = await fetch(new URL('/ssr/', run.url))
    const html = await page.text()
    expect(page.status).toBe(200)
    expect(html).toContain('data-testid="messages"')
    expect(html).toContain('window.__PATCHWIRE_SSR__=')
  })

  it('stops, freeing its port, on SIGTERM sent to the process the start script runs', async () => {
    const run = await startExamples('sh', ['-c', `${START_SCRIPT} --port 0 --memory`])
    const port = Number(new URL(run.url).port)
    run.child.kill('SIGTERM')
    expect(await run.exited).toBe(0)
    expect(await portIsFree(port)).toBe(true)
  })

  it('stops, freeing its port, on SIGTERM sent to npm start', async () => {
    const run = await startExamples('npm', ['start', '--', '--port', '0', '--memory'])
    const port = Number(new URL(run.url).port)
    run.child.kill('SIGTERM')
    await run.exited
    expect(await portIsFree(port)).toBe(true)
  })
})
