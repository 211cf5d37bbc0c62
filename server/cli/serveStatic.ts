import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join, resolve, sep } from 'node:path'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
}

/** A request handler that answers, or returns false to let the next one try. */
export type RequestHandler = (
  req: IncomingMessage,
  res: ServerResponse,
) => Promise<boolean> | boolean

/**
 * Serves the files of `dir` for GET and HEAD (a folder serves its
 * `index.html`). Paths that leave `dir` are not served. Returns false for
 * anything it does not have, so other handlers can answer.
 *
 * @example
 * ```ts
 * const handlers = [serveStatic('./examples/chat/dist')]
 * ```
 */
export function serveStatic(dir: string): RequestHandler {
  const root = resolve(dir)
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false
    let pathname: string
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    } catch {
      return false
    }
    let file = resolve(join(root, pathname))
    if (file !== root && !file.startsWith(root + sep)) return false
    try {
      let info = await stat(file)
      if (info.isDirectory()) {
        file = join(file, 'index.html')
        info = await stat(file)
      }
      if (!info.isFile()) return false
      res.writeHead(200, {
        'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
        'content-length': info.size,
      })
      if (req.method === 'HEAD') res.end()
      else createReadStream(file).pipe(res)
      return true
    } catch {
      return false
    }
  }
}
