import { request } from 'node:http'
import { describe, expect, it } from 'vitest'
import { trackRelayProcesses } from './cliProcess'

const { start } = trackRelayProcesses<{ disconnect(): void }>()

/** The `Access-Control-Allow-Origin` a Socket.IO polling handshake from `origin` gets. */
function handshakeAllows(url: string, origin: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/socket.io/?EIO=4&transport=polling`, {
      headers: { origin },
    })
    req.once('response', (res) => {
      res.resume()
      const header = res.headers['access-control-allow-origin']
      resolve(Array.isArray(header) ? header.join(',') : header)
    })
    req.once('error', reject)
    req.end()
  })
}

describe('patchwire relay --cors-origin', () => {
  it('allows the origins given repeated and as comma lists, and no other', async () => {
    const p = await start([
      ...['--port', '0', '--memory'],
      ...[
        '--cors-origin',
        'https://a.example,https://b.example',
        '--cors-origin',
        'https://c.example',
      ],
    ])
    for (const origin of ['https://a.example', 'https://b.example', 'https://c.example']) {
      expect(await handshakeAllows(p.url, origin)).toBe(origin)
    }
    expect(await handshakeAllows(p.url, 'https://evil.example')).toBeUndefined()
  })

  it('allows any origin with *', async () => {
    const p = await start(['--port', '0', '--memory', '--cors-origin', '*'])
    expect(await handshakeAllows(p.url, 'https://anywhere.example')).toBe(
      'https://anywhere.example',
    )
  })
})
