import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, live, settings, startRelay, synced, todos } from '../sync/helpers'
import { type RedisServer, startRedisServer } from './redisServer'

const run = promisify(execFile)
let redis: RedisServer

beforeAll(async () => {
  redis = await startRedisServer()
})
afterAll(async () => {
  await redis?.close()
})

describe('patchwire versions --redis', () => {
  it('restores a room a relay node serves, and its connected clients get the restore at once', async () => {
    const r = await startRelay({ redis: redis.url })
    try {
      const room = `cli-${randomUUID()}`
      const { store } = r.client({ room })
      await live(store, room)
      store.dispatch(todos.actions.added('kept'))
      await eventually(() => expect(store.getState().patchwire.sync[room]?.pending).toBe(0))
      const taken = await r.relay.snapshotVersion(room)
      if (!taken.ok) throw new Error(taken.message)
      const version = synced(store)
      store.dispatch(todos.actions.added('undone'))
      store.dispatch(settings.actions.themeSet('dark'))
      await eventually(() => expect(store.getState().patchwire.sync[room]?.pending).toBe(0))

      const { stdout } = await run(
        process.execPath,
        [
          '--import',
          'tsx',
          'server/cli.ts',
          'versions',
          'restore',
          room,
          taken.version.id,
          '--redis',
          redis.url,
        ],
        { cwd: process.cwd() },
      )
      expect(stdout).toMatch(/restored .* to version/)
      // No change follows the restore: the client has it from the broadcast alone.
      await eventually(() => expect(synced(store)).toEqual(version), 30_000)
      const list = await run(
        process.execPath,
        ['--import', 'tsx', 'server/cli.ts', 'versions', 'list', room, '--redis', redis.url],
        { cwd: process.cwd() },
      )
      expect(
        list.stdout
          .trim()
          .split('\n')
          .map((l) => l.split('\t')[3]),
      ).toEqual(['manual', 'restore'])
    } finally {
      await r.stop()
    }
  })
})
