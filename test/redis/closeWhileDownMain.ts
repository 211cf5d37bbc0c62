// A relay node on the redis option, closed while its Redis cannot be reached, run
// as its own process so an unhandled rejection ends it as it would end a real node:
// `node --import tsx test/redis/closeWhileDownMain.ts <redis url>`.
import { createRelay } from '../../server/createRelay'

const relay = createRelay({ redis: process.argv[2] as string })
await relay.close()
// Let ioredis settle what it failed when the connections closed.
await new Promise((resolve) => setTimeout(resolve, 200))
process.stdout.write('closed\n')
