import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { extname, join } from 'node:path'
import { type ChangeFeed, createChangeFeed } from '../../server/sse/createChangeFeed'
import { serveChangeStream } from '../../server/sse/serveChangeStream'

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript' }

/** The stream worker page's server: its built files, and change feeds under /feed/<name>. */
export interface StreamPageServer {
  url: string
  /** The feed served at /feed/<name>, created on first use. */
  feed(name: string): ChangeFeed
  /** Serves /raw/<name> with a handler of its own (a feed with broken frames). */
  raw(name: string, handler: (req: IncomingMessage, res: ServerResponse) => void): void
  /** Requests to /feed/<name> or /raw/<name> still open. */
  open(name: string): number
  /** Every request to /feed/<name> or /raw/<name>, in order. */
  requests(name: string): IncomingMessage[]
  close(): Promise<void>
}

/** Starts the server on 127.0.0.1, port 0. */
export async function startStreamPageServer(dist: string): Promise<StreamPageServer> {
  const feeds = new Map<string, ChangeFeed>()
  const raws = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>()
  const open = new Map<string, number>()
  const requests = new Map<string, IncomingMessage[]>()
  const sockets = new Set<Socket>()
  const feed = (name: string) => {
    let found = feeds.get(name)
    if (!found) {
      found = createChangeFeed({ maxEntries: 100_000 })
      feeds.set(name, found)
    }
    return found
  }
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const [, kind, name] = path.split('/')
    if ((kind === 'feed' || kind === 'raw') && name) {
      requests.set(name, [...(requests.get(name) ?? []), req])
      open.set(name, (open.get(name) ?? 0) + 1)
      res.once('close', () => open.set(name, (open.get(name) ?? 1) - 1))
      const raw = raws.get(name)
      if (kind === 'raw' && raw) raw(req, res)
      else void serveChangeStream(req, res, { subscribe: feed(name).subscribe })
      return
    }
    const file = join(dist, path === '/' ? 'index.html' : path)
    try {
      const body = await readFile(file)
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' })
      res.end(body)
    } catch {
      res.writeHead(404).end()
    }
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    feed,
    raw: (name, handler) => {
      raws.set(name, handler)
    },
    open: (name) => open.get(name) ?? 0,
    requests: (name) => requests.get(name) ?? [],
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
