// One server of the sync-peers bench, in its own process: `kind` picks raw
// Socket.IO (re-emits to the room: the floor), a minimal y-protocols server
// for Yjs (y-websocket 3 ships no server), Logux's server, or patchwire's
// relay on memory or SQLite (synchronous=FULL). It sends its port over IPC;
// the parent reads its CPU and RSS from /proc.
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BaseServer } from '@logux/server'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { Server as SocketServer } from 'socket.io'
import { type WebSocket, WebSocketServer } from 'ws'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import { createRelay } from '../../server/createRelay'
import { memoryStore } from '../../server/store/memoryStore'
import { sqliteStore } from '../../server/store/sqliteStore'

export type ServerKind = 'raw' | 'yjs' | 'logux' | 'memory' | 'sqlite'

const kind = process.argv[2] as ServerKind
const ready = (port: number) => process.send?.({ port })

async function startRaw(): Promise<void> {
  const http = createServer()
  const io = new SocketServer(http, { transports: ['websocket'] })
  io.on('connection', (socket) => {
    void socket.join('r')
    socket.on('w', (value: unknown, ack?: () => void) => {
      socket.to('r').emit('c', value)
      ack?.()
    })
    // The floor of a synced slice action: the action sent, its answer awaited.
    socket.on('a', (_action: unknown, ack?: () => void) => ack?.())
  })
  http.listen(0, '127.0.0.1', () => ready((http.address() as { port: number }).port))
}

function startYjs(): void {
  const doc = new Y.Doc()
  const conns = new Set<WebSocket>()
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  doc.on('update', (update: Uint8Array) => {
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, 0)
    syncProtocol.writeUpdate(encoder, update)
    const message = encoding.toUint8Array(encoder)
    for (const c of conns) c.send(message)
  })
  wss.on('connection', (conn) => {
    conns.add(conn)
    conn.binaryType = 'arraybuffer'
    conn.on('close', () => conns.delete(conn))
    conn.on('message', (data: ArrayBuffer) => {
      const decoder = decoding.createDecoder(new Uint8Array(data))
      // 0: sync, 1: awareness (not used by the bench), 3: awareness query.
      if (decoding.readVarUint(decoder) !== 0) return
      const encoder = encoding.createEncoder()
      encoding.writeVarUint(encoder, 0)
      syncProtocol.readSyncMessage(decoder, encoder, doc, conn)
      if (encoding.length(encoder) > 1) conn.send(encoding.toUint8Array(encoder))
    })
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, 0)
    syncProtocol.writeSyncStep1(encoder, doc)
    conn.send(encoding.toUint8Array(encoder))
  })
  wss.on('listening', () => ready((wss.address() as { port: number }).port))
}

async function startLogux(): Promise<void> {
  // Logux takes port 0 for "unset"; its own http server listening on port 0 is given instead.
  const http = createServer()
  const server = new BaseServer({ subprotocol: 1, minSubprotocol: 1, server: http })
  server.auth(() => true)
  server.type('set', { access: () => true, resend: () => ({ channel: 'r' }) })
  server.channel('r', { access: () => true })
  await server.listen()
  http.listen(0, '127.0.0.1', () => ready((http.address() as { port: number }).port))
}

async function startRelay(durable: boolean): Promise<void> {
  const dir = durable ? mkdtempSync(join(tmpdir(), 'patchwire-bench-')) : undefined
  const store = dir
    ? sqliteStore({ file: join(dir, 'bench.db'), synchronous: 'full' })
    : memoryStore()
  const relay = createRelay({
    store,
    limits: { messagesPerSecond: 1e9, changesPerSecond: 1e9 },
    metrics: false,
  })
  ready(await relay.listen(0, '127.0.0.1'))
  process.once('disconnect', () => {
    if (dir) rmSync(dir, { recursive: true, force: true })
    process.exit(0)
  })
}

if (kind === 'raw') await startRaw()
else if (kind === 'yjs') startYjs()
else if (kind === 'logux') await startLogux()
else await startRelay(kind === 'sqlite')
process.on('disconnect', () => process.exit(0))
