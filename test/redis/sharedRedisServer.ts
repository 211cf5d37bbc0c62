import { afterAll, afterEach, beforeAll } from 'vitest'
import { type RedisServer, startRedisServer } from './redisServer'

/** A test file's redis-server and what its tests leave to undo. */
export interface SharedRedis {
  /** The server, once `beforeAll` started it. */
  readonly server: RedisServer
  /** Run after each test, the last added first. */
  readonly cleanups: (() => Promise<void> | void)[]
}

/**
 * One redis-server for a test file: started before its tests and closed after
 * them; what a test pushes onto `cleanups` is undone after it.
 */
export function sharedRedisServer(): SharedRedis {
  let server: RedisServer | undefined
  const cleanups: (() => Promise<void> | void)[] = []
  beforeAll(async () => {
    server = await startRedisServer()
  })
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })
  afterAll(async () => {
    await server?.close()
  })
  return {
    get server() {
      if (!server) throw new Error('redis-server is not started yet (use it inside a test)')
      return server
    },
    cleanups,
  }
}
