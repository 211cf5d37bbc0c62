import { createReadStream, statSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join, normalize, sep } from 'node:path'

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
}

/**
 * Serves the built examples from `dir` (GET and HEAD only); answers false when
 * the request is not for a file there, so the caller can 404 or route on.
 */
export function serveStatic(dir: string, req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false
  const url = new URL(req.url ?? '/', 'http://localhost')
  let pathname: string
  try {
    pathname = decodeURIComponent(url.pathname)
  } catch {
    return false
  }
  // normalize() resolves "..": anything that climbs out of dir is refused.
  let file = normalize(join(dir, pathname))
  if (file !== dir && !file.startsWith(dir.endsWith(sep) ? dir : dir + sep)) return false
  let stat = statSync(file, { throwIfNoEntry: false })
  if (stat?.isDirectory()) {
    if (!pathname.endsWith('/')) {
      res.writeHead(301, { location: `${pathname}/${url.search}` }).end()
      return true
    }
    file = join(file, 'index.html')
    stat = statSync(file, { throwIfNoEntry: false })
  }
  if (!stat?.isFile()) return false
  res.writeHead(200, {
    'content-type': types[extname(file)] ?? 'application/octet-stream',
    'content-length': stat.size,
    'cache-control': file.includes(`${sep}assets${sep}`)
      ? 'public, max-age=31536000, immutable'
      : 'no-cache',
  })
  if (req.method === 'HEAD') res.end()
  else createReadStream(file).pipe(res)
  return true
}
