import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SignJWT } from 'jose'
import { io } from 'socket.io-client'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { confirmed } from '../../middleware/sync/guarantees/confirmed'
import { jwtAuth } from '../../server/auth/jwtAuth'
import { createRelay } from '../../server/createRelay'
import type { Relay } from '../../server/relay/types'
import { sqliteStore } from '../../server/store/sqliteStore'
import type { PatchRejectedPayload } from '../../src/actions'
import { formatHlc } from '../../src/hlc'
import { eventually, live, todos } from '../sync/helpers'
import { makeSyncedStore } from './helpers'
import { createLocalLocks } from './localLocks'

const SECRET = 'test-secret-that-is-long-enough-for-hs256'
const tokenFor = (sub: string) =>
  new SignJWT({ rooms: '*' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(SECRET))

const dir = mkdtempSync(join(tmpdir(), 'patchwire-tab-users-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let relay: Relay | undefined
let port = 0
const stops: (() => void)[] = []
afterEach(async () => {
  for (const stop of stops.splice(0)) stop()
  await relay?.close()
  relay = undefined
  port = 0
})

/** A relay with JWT auth on `file`, on the port the previous one had (so clients reconnect to it). */
async function startRelay(file: string): Promise<string> {
  relay = createRelay({
    store: sqliteStore({ file }),
    authenticate: jwtAuth({ secret: SECRET }),
  })
  for (let attempt = 0; ; attempt++) {
    try {
      port = await relay.listen(port, '127.0.0.1')
      return `http://127.0.0.1:${port}`
    } catch (err) {
      // The old server's port can take a moment to free.
      if (attempt > 50) throw err
      await new Promise((r) => setTimeout(r, 20))
    }
  }
}

async function restartRelay(file: string): Promise<void> {
  await relay?.close()
  await startRelay(file)
}

/**
 * Opens `count` tabs of one browser of user `sub`, sharing one connection.
 * Browsers of one test are told apart by `url`: the shared connection's
 * channel is named after it, as it is per origin in a real browser.
 */
async function openBrowser(url: string, sub: string, count: number) {
  const locks = createLocalLocks()
  const token = await tokenFor(sub)
  const rejected: PatchRejectedPayload[] = []
  const tabs = Array.from({ length: count }, () => {
    const { store, mw } = makeSyncedStore(
      {
        room: 'team',
        allowKeys: ['todos'],
        url,
        auth: { token },
        shareConnection: true,
        tabLocks: locks,
      },
      rejected,
    )
    stops.push(() => mw.stop())
    return store
  })
  for (const tab of tabs) await live(tab, 'team')
  return { tabs, rejected }
}

/** Mallory's one push under the group id itself, over a raw socket. */
async function squatGroup(url: string): Promise<unknown> {
  const socket = io(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    auth: { token: await tokenFor('mallory') },
  })
  stops.push(() => socket.disconnect())
  const emit = (event: string, payload: unknown) =>
    new Promise((resolve) => socket.emit(event as 'join', payload as never, resolve))
  await emit('join', { room: 'team', schemaVersion: 1, clientId: 'tabs' })
  return emit('push', {
    room: 'team',
    changes: [
      {
        id: 'tabs:1',
        ts: formatHlc({ wall: Date.now(), counter: 0, node: 'tabs' }),
        ops: [{ op: 'add', path: ['squat'], value: 1 }],
      },
    ],
  })
}

const roomItems = (store: ReturnType<typeof makeSyncedStore>['store']) =>
  [...store.getState().todos.items].sort()

describe('shared connections of authenticated users', () => {
  it("a shared connection's confirmed writes are accepted after another user pushed under the group id", async () => {
    const url = await startRelay(join(dir, 'squat.db'))
    await squatGroup(url)
    const alice = await openBrowser(url, 'alice', 2)
    for (const [i, tab] of alice.tabs.entries()) {
      const { seq } = await tab.dispatch(
        confirmed(todos.actions.added(`alice${i}`), { timeoutMs: 20_000 }),
      )
      expect(seq).toBeGreaterThan(0)
    }
    expect(alice.rejected).toEqual([])
  })

  it("two users' shared connections keep writing through the group across a relay restart on SQLite", async () => {
    const file = join(dir, 'restart.db')
    const url = await startRelay(file)
    const alice = await openBrowser(url, 'alice', 2)
    const bob = await openBrowser(`${url}/`, 'bob', 1)
    const everyTab = [...alice.tabs, ...bob.tabs]
    for (const [i, tab] of everyTab.entries()) tab.dispatch(todos.actions.added(`before${i}`))
    // Pushed while everyone is joined, so only the re-joins after the restart meet it.
    await squatGroup(url)
    await restartRelay(file)
    for (const [i, tab] of everyTab.entries()) tab.dispatch(todos.actions.added(`after${i}`))
    const expected = everyTab.flatMap((_, i) => [`after${i}`, `before${i}`]).sort()
    await eventually(() => {
      for (const tab of everyTab) {
        expect(roomItems(tab)).toEqual(expected)
        expect(tab.getState().patchwire.sync.team).toMatchObject({ connection: 'live', pending: 0 })
      }
    }, 30_000)
    expect([...alice.rejected, ...bob.rejected]).toEqual([])
  }, 60_000)
})
